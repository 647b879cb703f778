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
import { renderDataDeletionStatus, renderUnknownRequest } from './data-deletion-status.view';
import { MetaCallbacksService } from './meta-callbacks.service';

const CODE = /^[A-Za-z0-9]{1,32}$/;

/**
 * Meta's deauthorize and data-deletion callbacks (form field `signed_request`, HMAC-SHA256 with
 * the app secret) and the status page of a data-deletion request.
 */
@Controller('meta')
export class MetaCallbacksController {
  private readonly secrets: string[];

  constructor(
    private readonly callbacks: MetaCallbacksService,
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
    const payload = this.verify('meta-deauthorize', body);
    const accounts = await this.callbacks.deauthorize(
      payload.userId,
      currentCorrelationId() ?? randomUUID(),
    );
    this.metrics.webhooksReceived.inc({ source: 'meta-deauthorize', outcome: 'accepted' });
    return { status: accounts > 0 ? 'disconnected' : 'nothing-connected' };
  }

  @Post('data-deletion')
  @HttpCode(200)
  async dataDeletion(@Body() body: unknown): Promise<{ url: string; confirmation_code: string }> {
    const payload = this.verify('meta-data-deletion', body);
    const request = await this.callbacks.requestDataDeletion(
      payload.userId,
      currentCorrelationId() ?? randomUUID(),
    );
    this.metrics.webhooksReceived.inc({ source: 'meta-data-deletion', outcome: 'accepted' });
    const base = this.env.PUBLIC_URL.replace(/\/+$/, '');
    return {
      url: `${base}/meta/data-deletion/${request.confirmationCode}`,
      confirmation_code: request.confirmationCode,
    };
  }

  @Get('data-deletion/:code')
  async status(@Param('code') code: string, @Res() reply: FastifyReply): Promise<void> {
    const request = CODE.test(code) ? await this.callbacks.findRequest(code) : null;
    void reply
      .status(request ? 200 : 404)
      .header('Cache-Control', 'no-store')
      .header('X-Robots-Tag', 'noindex')
      .type('text/html; charset=utf-8')
      .send(
        request
          ? renderDataDeletionStatus(request, {
              name: this.env.OPERATOR_NAME,
              contact: this.env.OPERATOR_CONTACT,
            })
          : renderUnknownRequest(),
      );
  }

  private verify(source: string, body: unknown): SignedRequestPayload {
    const signed =
      body && typeof body === 'object' && 'signed_request' in body
        ? body.signed_request
        : undefined;
    if (typeof signed !== 'string' || signed === '') {
      this.metrics.webhooksReceived.inc({ source, outcome: 'malformed' });
      throw new BadRequestException('signed_request is missing');
    }
    let failure = 'malformed';
    for (const secret of this.secrets) {
      const result = parseSignedRequest(signed, secret);
      if (result.ok) {
        return result.payload;
      }
      failure = result.reason;
    }
    this.metrics.webhooksReceived.inc({ source, outcome: failure.replace(/-/g, '_') });
    if (failure === 'bad-signature') {
      throw new UnauthorizedException('signed_request signature does not match');
    }
    throw new BadRequestException(`signed_request is invalid: ${failure}`);
  }
}
