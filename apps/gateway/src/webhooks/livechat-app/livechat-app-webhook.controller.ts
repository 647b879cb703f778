import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  HttpCode,
  Post,
  UseGuards,
} from '@nestjs/common';
import { parseLiveChatAppWebhook, secretKeyMatches } from '@app/livechat-sdk';
import { currentCorrelationId, Metrics } from '@app/platform';
import { randomUUID } from 'node:crypto';
import { GatewayEnv } from '../../config/gateway.env';
import {
  WebhookAnswer,
  webhookAnswer,
  WebhookMetrics,
  WebhookRefusal,
} from '../webhook-metrics.interceptor';
import { AppWebhookTokenGuard } from './app-webhook-token.guard';
import { LiveChatAppLifecycleService } from './livechat-app-lifecycle.service';

/**
 * LiveChat app webhooks (`application_installed`, `application_uninstalled`). The URL's token is
 * checked first (401, AppWebhookTokenGuard), then the client id must be ours (403). Both
 * refusals change nothing.
 */
@Controller('webhooks/livechat/app')
export class LiveChatAppWebhookController {
  constructor(
    private readonly lifecycle: LiveChatAppLifecycleService,
    private readonly env: GatewayEnv,
    readonly metrics: Metrics,
  ) {}

  @Post()
  @HttpCode(200)
  @UseGuards(AppWebhookTokenGuard)
  @WebhookMetrics('livechat-app')
  async receive(@Body() body: unknown): Promise<WebhookAnswer<{ status: string }>> {
    const parsed = parseLiveChatAppWebhook(body);
    if (!parsed.ok) {
      throw new WebhookRefusal(
        'malformed',
        new BadRequestException(`malformed app webhook: ${parsed.reason}`),
      );
    }
    if (!secretKeyMatches(parsed.webhook.clientId, this.env.LIVECHAT_CLIENT_ID)) {
      throw new WebhookRefusal('other_client', new ForbiddenException('clientID is not this app'));
    }
    const correlationId = currentCorrelationId() ?? randomUUID();
    const outcome = await this.lifecycle.accept(parsed.webhook, correlationId);
    return webhookAnswer(outcome, { status: outcome });
  }
}
