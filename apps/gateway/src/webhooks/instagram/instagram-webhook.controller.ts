import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Query,
  RawBodyRequest,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { parseInstagramWebhook, verifyHubChallenge, verifyHubSignature } from '@app/meta-graph';
import { currentCorrelationId, Metrics } from '@app/platform';
import { FastifyReply, FastifyRequest } from 'fastify';
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

  @Post()
  @HttpCode(200)
  async receive(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Headers('x-hub-signature-256') signature: string | undefined,
    @Body() body: unknown,
  ): Promise<{ received: number }> {
    const acceptedAt = Date.now();
    if (!req.rawBody || !verifyHubSignature(req.rawBody, signature, this.secrets)) {
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
    const parsed = parseInstagramWebhook(body);
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
}
