import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Query,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { parseInstagramWebhook, verifyHubChallenge, verifyHubSignature } from '@app/meta-graph';
import { currentCorrelationId, Metrics } from '@app/platform';
import { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { GatewayEnv } from '../../config/gateway.env';
import { InstagramIntakeService } from './instagram-intake.service';

@Controller('webhooks/instagram')
export class InstagramWebhookController {
  private readonly secrets: string[];

  constructor(
    private readonly intake: InstagramIntakeService,
    private readonly metrics: Metrics,
    private readonly env: GatewayEnv,
  ) {
    this.secrets = [env.META_APP_SECRET, env.META_INSTAGRAM_APP_SECRET].filter(
      (s): s is string => typeof s === 'string',
    );
  }

  /** Meta's subscription handshake: echo the challenge as plain text when the token matches. */
  @Get()
  handshake(@Query() query: Record<string, unknown>, @Res() reply: FastifyReply): void {
    const result = verifyHubChallenge(query, this.env.META_VERIFY_TOKEN);
    void reply
      .status(result.ok ? 200 : 403)
      .type('text/plain; charset=utf-8')
      .send(result.ok ? result.challenge : 'verification failed');
  }

  /**
   * Authenticate before parsing: the body arrives as raw bytes (edge/body-limits.ts), its
   * signature is checked, and only a signed body is parsed. An unsigned body costs one HMAC.
   */
  @Post()
  @HttpCode(200)
  async receive(
    @Headers('x-hub-signature-256') signature: string | undefined,
    @Body() raw: unknown,
  ): Promise<{ received: number }> {
    const acceptedAt = Date.now();
    const parsed = parseInstagramWebhook(this.signedJson(raw, signature));
    if (!parsed.ok) {
      this.metrics.webhooksReceived.inc({ source: 'instagram', outcome: 'malformed' });
      throw new BadRequestException(`malformed webhook: ${parsed.reason}`);
    }
    if (parsed.object !== 'instagram') {
      this.metrics.webhooksReceived.inc({ source: 'instagram', outcome: 'ignored_object' });
      return { received: 0 };
    }
    const result = await this.intake.accept(
      parsed.entries,
      currentCorrelationId() ?? randomUUID(),
      acceptedAt,
    );
    this.metrics.webhooksReceived.inc({ source: 'instagram', outcome: 'accepted' });
    return { received: result.queued + result.deletes };
  }

  /** The body as JSON, once its signature (by either app secret) is checked. */
  private signedJson(raw: unknown, signature: string | undefined): unknown {
    if (!Buffer.isBuffer(raw) || !verifyHubSignature(raw, signature, this.secrets)) {
      this.metrics.webhooksReceived.inc({
        source: 'instagram',
        outcome: signature ? 'bad_signature' : 'missing_signature',
      });
      throw new UnauthorizedException(
        signature
          ? 'X-Hub-Signature-256 does not match the body'
          : 'X-Hub-Signature-256 is missing',
      );
    }
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      this.metrics.webhooksReceived.inc({ source: 'instagram', outcome: 'malformed' });
      throw new BadRequestException('malformed webhook: the body is not JSON');
    }
  }
}
