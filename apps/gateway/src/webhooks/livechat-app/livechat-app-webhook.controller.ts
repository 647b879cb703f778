import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  HttpCode,
  Post,
  Query,
  UnauthorizedException,
} from '@nestjs/common';
import { parseLiveChatAppWebhook, secretKeyMatches } from '@app/livechat-sdk';
import { currentCorrelationId, Metrics } from '@app/platform';
import { randomUUID } from 'node:crypto';
import { GatewayEnv } from '../../config/gateway.env';
import { LiveChatAppLifecycleService } from './livechat-app-lifecycle.service';

/**
 * LiveChat app webhooks (`application_installed`, `application_uninstalled`). LiveChat signs
 * nothing here: the long random token in the configured URL is checked in constant time (401),
 * then the client id must be ours (403). Both refusals change nothing.
 */
@Controller('webhooks/livechat/app')
export class LiveChatAppWebhookController {
  constructor(
    private readonly lifecycle: LiveChatAppLifecycleService,
    private readonly metrics: Metrics,
    private readonly env: GatewayEnv,
  ) {}

  @Post()
  @HttpCode(200)
  async receive(
    @Query('token') token: unknown,
    @Body() body: unknown,
  ): Promise<{ status: string }> {
    this.authenticate(token);
    const parsed = parseLiveChatAppWebhook(body);
    if (!parsed.ok) {
      this.metrics.webhooksReceived.inc({ source: 'livechat-app', outcome: 'malformed' });
      throw new BadRequestException(`malformed app webhook: ${parsed.reason}`);
    }
    if (!secretKeyMatches(parsed.webhook.clientId, this.env.LIVECHAT_CLIENT_ID)) {
      this.metrics.webhooksReceived.inc({ source: 'livechat-app', outcome: 'other_client' });
      throw new ForbiddenException('clientID is not this app');
    }
    const outcome = await this.lifecycle.accept(
      parsed.webhook,
      currentCorrelationId() ?? randomUUID(),
    );
    this.metrics.webhooksReceived.inc({ source: 'livechat-app', outcome });
    return { status: outcome };
  }

  /** The `?token=` of the configured URL (compared in constant time). */
  private authenticate(token: unknown): void {
    if (!secretKeyMatches(token, this.env.LIVECHAT_APP_WEBHOOK_TOKEN)) {
      this.metrics.webhooksReceived.inc({
        source: 'livechat-app',
        outcome: token === undefined ? 'missing_token' : 'bad_token',
      });
      throw new UnauthorizedException(
        token === undefined ? 'the token query parameter is missing' : 'token does not match',
      );
    }
  }
}
