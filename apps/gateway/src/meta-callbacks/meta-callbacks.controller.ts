import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { parseSignedRequest, SignedRequestPayload } from '@app/meta-graph';
import { currentCorrelationId, Metrics } from '@app/platform';
import { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';
import { SafeHtml } from '../pages/html.util';
import { sendPage } from '../pages/page-layout';
import {
  DATA_DELETION_STYLE_HASH,
  renderDataDeletionStatus,
  renderUnknownRequest,
} from './data-deletion-status.view';
import { MetaCallbacksService } from './meta-callbacks.service';
import { SignedRequestReplayGuard } from './signed-request-replay.guard';

const CODE = /^[A-Za-z0-9]{1,32}$/;

/**
 * Meta's deauthorize and data-deletion callbacks (form field `signed_request`, HMAC-SHA256 with
 * the app secret) and the status page of a data-deletion request. A signed_request older than
 * META_SIGNED_REQUEST_MAX_AGE_SECONDS is refused; a replay answers as the first delivery did and
 * changes nothing (SignedRequestReplayGuard).
 */
@Controller('meta')
export class MetaCallbacksController {
  private readonly secrets: string[];

  constructor(
    private readonly callbacks: MetaCallbacksService,
    private readonly replays: SignedRequestReplayGuard,
    private readonly metrics: Metrics,
    private readonly env: GatewayEnv,
  ) {
    // Which secret signs Instagram-Login callbacks is unconfirmed: either is accepted.
    this.secrets = [env.META_APP_SECRET, env.META_INSTAGRAM_APP_SECRET].filter(
      (s): s is string => typeof s === 'string',
    );
  }

  @Post('deauthorize')
  @HttpCode(200)
  async deauthorize(@Body() body: unknown): Promise<{ status: string }> {
    const { signed, payload } = this.verify('meta-deauthorize', body);
    const { answer, replayed } = await this.replays.once('deauthorize', signed, async () => {
      const accounts = await this.callbacks.deauthorize(
        payload.userId,
        currentCorrelationId() ?? randomUUID(),
      );
      return accounts > 0 ? 'disconnected' : 'nothing-connected';
    });
    this.metrics.webhooksReceived.inc({
      source: 'meta-deauthorize',
      outcome: replayed ? 'replayed' : 'accepted',
    });
    return { status: answer };
  }

  @Post('data-deletion')
  @HttpCode(200)
  async dataDeletion(@Body() body: unknown): Promise<{ url: string; confirmation_code: string }> {
    const { signed, payload } = this.verify('meta-data-deletion', body);
    const { answer: code, replayed } = await this.replays.once(
      'data-deletion',
      signed,
      async () => {
        const request = await this.callbacks.requestDataDeletion(
          payload.userId,
          currentCorrelationId() ?? randomUUID(),
        );
        return request.confirmationCode;
      },
    );
    this.metrics.webhooksReceived.inc({
      source: 'meta-data-deletion',
      outcome: replayed ? 'replayed' : 'accepted',
    });
    const base = this.env.PUBLIC_URL.replace(/\/+$/, '');
    return { url: `${base}/meta/data-deletion/${code}`, confirmation_code: code };
  }

  @Get('data-deletion/:code')
  async status(@Param('code') code: string, @Res() reply: FastifyReply): Promise<void> {
    const request = CODE.test(code) ? await this.callbacks.findRequest(code) : null;
    void reply.header('X-Robots-Tag', 'noindex');
    sendPage(
      reply,
      request ? 200 : 404,
      new SafeHtml(
        request
          ? renderDataDeletionStatus(request, {
              name: this.env.OPERATOR_NAME,
              contact: this.env.OPERATOR_CONTACT,
            })
          : renderUnknownRequest(),
      ),
      { styleHashes: [DATA_DELETION_STYLE_HASH] },
    );
  }

  private verify(source: string, body: unknown): { signed: string; payload: SignedRequestPayload } {
    const signed = this.signedRequestOf(source, body);
    let failure = 'malformed';
    for (const secret of this.secrets) {
      const result = parseSignedRequest(signed, secret);
      if (result.ok) {
        const fresh = this.replays.freshness(result.payload.issuedAt);
        if (!fresh.ok) {
          this.metrics.webhooksReceived.inc({ source, outcome: fresh.reason.replace(/-/g, '_') });
          throw new BadRequestException(
            fresh.reason === 'expired'
              ? 'signed_request is invalid: issued_at is too old (or in the future)'
              : 'signed_request is invalid: issued_at is missing',
          );
        }
        return { signed: signed.trim(), payload: result.payload };
      }
      failure = result.reason;
    }
    this.metrics.webhooksReceived.inc({ source, outcome: failure.replace(/-/g, '_') });
    if (failure === 'bad-signature') {
      throw new UnauthorizedException('signed_request signature does not match');
    }
    throw new BadRequestException(`signed_request is invalid: ${failure}`);
  }

  private signedRequestOf(source: string, body: unknown): string {
    const signed =
      body && typeof body === 'object' && 'signed_request' in body
        ? body.signed_request
        : undefined;
    if (typeof signed !== 'string' || signed === '') {
      this.metrics.webhooksReceived.inc({ source, outcome: 'malformed' });
      throw new BadRequestException('signed_request is missing');
    }
    return signed;
  }
}
