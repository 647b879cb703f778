import { Controller, Get, Query, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { AdminFlowMetrics } from '../pages/admin-flow.metrics';
import { sendPage } from '../pages/page-layout';
import { queryParam } from '../pages/query.util';
import { InstallService } from './install.service';
import { InstallRefusal, renderInstallRefusal } from './install.view';

/** `GET /install`: LiveChat's Direct installation URL. */
@Controller('install')
export class InstallController {
  constructor(
    private readonly install: InstallService,
    private readonly flows: AdminFlowMetrics,
  ) {}

  @Get()
  async handle(@Query() query: Record<string, unknown>, @Res() reply: FastifyReply): Promise<void> {
    const code = queryParam(query, 'code');
    const state = queryParam(query, 'state');
    const error = queryParam(query, 'error');
    if (code === null || state === null || error === null) {
      this.flows.count('install', 'bad_request');
      return this.refuse(reply, { kind: 'bad-request' });
    }
    if (error !== undefined) {
      this.flows.count('install', 'cancelled');
      return this.refuse(reply, { kind: 'cancelled' });
    }
    if (code === undefined) {
      // We start the flow: LiveChat's consent page, with PKCE and a state only we can verify.
      this.flows.count('install', 'started');
      return this.redirect(reply, this.install.authorizeUrl(), 302);
    }
    const outcome = await this.install.complete(code, state);
    this.flows.count('install', outcome.kind);
    if (outcome.kind === 'installed') {
      return this.redirect(reply, `/app?installed=${outcome.reinstalled ? 'again' : '1'}`, 303);
    }
    return this.refuse(reply, outcome);
  }

  private redirect(reply: FastifyReply, url: string, status: 302 | 303): void {
    void reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .redirect(url, status);
  }

  private refuse(reply: FastifyReply, refusal: InstallRefusal): void {
    const { status, page } = renderInstallRefusal(refusal);
    sendPage(reply, status, page);
  }
}
