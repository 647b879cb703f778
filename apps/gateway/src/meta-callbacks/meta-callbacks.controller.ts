import { Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { currentCorrelationId, Metrics } from '@app/platform';
import { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';
import { SafeHtml } from '../pages/html.util';
import { sendPage } from '../pages/page-layout';
import {
  WebhookAnswer,
  webhookAnswer,
  WebhookMetrics,
} from '../webhooks/webhook-metrics.interceptor';
import {
  DATA_DELETION_STYLE_HASH,
  renderDataDeletionStatus,
  renderUnknownRequest,
} from './data-deletion-status.view';
import { MetaCallbacksService } from './meta-callbacks.service';
import { SignedRequestReplayGuard } from './signed-request-replay.guard';
import { SignedRequest, SignedRequestGuard, VerifiedSignedRequest } from './signed-request.guard';

const CODE = /^[A-Za-z0-9]{1,32}$/;

/**
 * Meta's deauthorize and data-deletion callbacks (verified by SignedRequestGuard) and the status
 * page of a data-deletion request. A replay answers as the first delivery did and changes
 * nothing (SignedRequestReplayGuard).
 */
@Controller('meta')
export class MetaCallbacksController {
  constructor(
    private readonly callbacks: MetaCallbacksService,
    private readonly replays: SignedRequestReplayGuard,
    private readonly env: GatewayEnv,
    readonly metrics: Metrics,
  ) {}

  @Post('deauthorize')
  @HttpCode(200)
  @UseGuards(SignedRequestGuard)
  @WebhookMetrics('meta-deauthorize')
  async deauthorize(
    @SignedRequest() { signed, payload }: VerifiedSignedRequest,
  ): Promise<WebhookAnswer<{ status: string }>> {
    const { answer, replayed } = await this.replays.once('deauthorize', signed, async () => {
      const accounts = await this.callbacks.deauthorize(
        payload.userId,
        currentCorrelationId() ?? randomUUID(),
      );
      return accounts > 0 ? 'disconnected' : 'nothing-connected';
    });
    return webhookAnswer(replayed ? 'replayed' : 'accepted', { status: answer });
  }

  @Post('data-deletion')
  @HttpCode(200)
  @UseGuards(SignedRequestGuard)
  @WebhookMetrics('meta-data-deletion')
  async dataDeletion(
    @SignedRequest() { signed, payload }: VerifiedSignedRequest,
  ): Promise<WebhookAnswer<{ url: string; confirmation_code: string }>> {
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
    const base = this.env.PUBLIC_URL.replace(/\/+$/, '');
    return webhookAnswer(replayed ? 'replayed' : 'accepted', {
      url: `${base}/meta/data-deletion/${code}`,
      confirmation_code: code,
    });
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
}
