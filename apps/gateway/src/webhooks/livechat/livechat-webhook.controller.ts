import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { parseLiveChatWebhook, secretKeyMatches } from '@app/livechat-sdk';
import { currentCorrelationId, Metrics } from '@app/platform';
import { JsonObject } from '@app/queues';
import { randomUUID } from 'node:crypto';
import { GatewayEnv } from '../../config/gateway.env';
import { LiveChatIntakeService } from './livechat-intake.service';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** LiveChat chat webhooks (v3.6 envelope; authenticity is the secret_key in the body). */
@Controller('webhooks/livechat')
export class LiveChatWebhookController {
  constructor(
    private readonly intake: LiveChatIntakeService,
    private readonly metrics: Metrics,
    private readonly env: GatewayEnv,
  ) {}

  @Post()
  @HttpCode(200)
  async receive(@Body() body: unknown): Promise<{ status: string }> {
    const acceptedAt = Date.now();
    this.authenticate(body);
    const parsed = parseLiveChatWebhook(body);
    if (!parsed.ok || !isObject(body)) {
      this.metrics.webhooksReceived.inc({ source: 'livechat', outcome: 'malformed' });
      throw new BadRequestException(
        `malformed webhook: ${parsed.ok ? 'not an object' : parsed.reason}`,
      );
    }
    const outcome = await this.intake.accept(
      parsed.webhook,
      body,
      currentCorrelationId() ?? randomUUID(),
      acceptedAt,
    );
    this.metrics.webhooksReceived.inc({
      source: 'livechat',
      outcome: outcome === 'queued' ? 'accepted' : outcome,
    });
    return { status: outcome };
  }

  /** The webhook's `secret_key` must be the configured one (compared in constant time). */
  private authenticate(body: unknown): void {
    const secret = isObject(body) ? body.secret_key : undefined;
    if (!secretKeyMatches(secret, this.env.LIVECHAT_WEBHOOK_SECRET)) {
      this.metrics.webhooksReceived.inc({
        source: 'livechat',
        outcome: secret === undefined ? 'missing_secret' : 'bad_secret',
      });
      throw new UnauthorizedException(
        secret === undefined ? 'secret_key is missing' : 'secret_key does not match',
      );
    }
  }
}
