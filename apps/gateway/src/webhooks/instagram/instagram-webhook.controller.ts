import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { parseInstagramWebhook, verifyHubChallenge } from '@app/meta-graph';
import { currentCorrelationId, Metrics } from '@app/platform';
import { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { GatewayEnv } from '../../config/gateway.env';
import {
  WebhookAnswer,
  webhookAnswer,
  WebhookMetrics,
  WebhookRefusal,
} from '../webhook-metrics.interceptor';
import { HubSignatureGuard } from './hub-signature.guard';
import { InstagramIntakeService } from './instagram-intake.service';

/** The signed body's JSON; 400 when it is not JSON. */
function jsonOf(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new WebhookRefusal(
      'malformed',
      new BadRequestException('malformed webhook: the body is not JSON'),
    );
  }
}

@Controller('webhooks/instagram')
export class InstagramWebhookController {
  constructor(
    private readonly intake: InstagramIntakeService,
    private readonly env: GatewayEnv,
    readonly metrics: Metrics,
  ) {}

  /** Meta's subscription handshake: echo the challenge as plain text when the token matches. */
  @Get()
  handshake(@Query() query: Record<string, unknown>, @Res() reply: FastifyReply): void {
    const result = verifyHubChallenge(query, this.env.META_VERIFY_TOKEN);
    void reply
      .status(result.ok ? 200 : 403)
      .type('text/plain; charset=utf-8')
      .send(result.ok ? result.challenge : 'verification failed');
  }

  /** Authenticated before parsing (HubSignatureGuard): only a signed body is parsed. */
  @Post()
  @HttpCode(200)
  @UseGuards(HubSignatureGuard)
  @WebhookMetrics('instagram')
  async receive(@Body() raw: Buffer): Promise<WebhookAnswer<{ received: number }>> {
    const acceptedAt = Date.now();
    const parsed = parseInstagramWebhook(jsonOf(raw));
    if (!parsed.ok) {
      throw new WebhookRefusal(
        'malformed',
        new BadRequestException(`malformed webhook: ${parsed.reason}`),
      );
    }
    if (parsed.object !== 'instagram') {
      return webhookAnswer('ignored_object', { received: 0 });
    }
    const correlationId = currentCorrelationId() ?? randomUUID();
    const result = await this.intake.accept(parsed.entries, correlationId, acceptedAt);
    return webhookAnswer('accepted', {
      received: result.queued + result.deletes + result.ownEchoes,
    });
  }
}
