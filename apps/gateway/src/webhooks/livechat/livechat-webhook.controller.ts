import { BadRequestException, Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { parseLiveChatWebhook } from '@app/livechat-sdk';
import { currentCorrelationId, Metrics } from '@app/platform';
import { JsonObject } from '@app/queues';
import { randomUUID } from 'node:crypto';
import {
  WebhookAnswer,
  webhookAnswer,
  WebhookMetrics,
  WebhookRefusal,
} from '../webhook-metrics.interceptor';
import { LiveChatIntakeService } from './livechat-intake.service';
import { LiveChatSecretGuard } from './livechat-secret.guard';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** LiveChat chat webhooks (v3.6 envelope; authenticity is the secret_key in the body). */
@Controller('webhooks/livechat')
export class LiveChatWebhookController {
  constructor(
    private readonly intake: LiveChatIntakeService,
    readonly metrics: Metrics,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(LiveChatSecretGuard)
  @WebhookMetrics('livechat')
  async receive(@Body() body: unknown): Promise<WebhookAnswer<{ status: string }>> {
    const acceptedAt = Date.now();
    const parsed = parseLiveChatWebhook(body);
    if (!parsed.ok || !isObject(body)) {
      throw new WebhookRefusal(
        'malformed',
        new BadRequestException(
          `malformed webhook: ${parsed.ok ? 'not an object' : parsed.reason}`,
        ),
      );
    }
    const correlationId = currentCorrelationId() ?? randomUUID();
    const outcome = await this.intake.accept(parsed.webhook, body, correlationId, acceptedAt);
    return webhookAnswer(outcome === 'queued' ? 'accepted' : outcome, { status: outcome });
  }
}
