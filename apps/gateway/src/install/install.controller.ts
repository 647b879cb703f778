import { Controller, Get, Query, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { AdminFlowMetrics } from '../pages/admin-flow.metrics';
import { html } from '../pages/html.util';
import { renderMessagePage, sendPage } from '../pages/page-layout';
import { queryParam } from '../pages/query.util';
import { InstallService, REQUIRED_LIVECHAT_SCOPE } from './install.service';

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
      return this.page(reply, 400, 'This install link is not valid', [
        'A parameter was repeated or too long. Start the installation again.',
      ]);
    }
    if (error !== undefined) {
      this.flows.count('install', 'cancelled');
      return this.page(reply, 200, 'Installation cancelled', [
        'LiveChat did not authorize the app, so nothing was installed.',
      ]);
    }
    if (code === undefined) {
      // We start the flow: LiveChat's consent page, with PKCE and a state only we can verify.
      this.flows.count('install', 'started');
      void reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(this.install.authorizeUrl(), 302);
      return;
    }
    const outcome = await this.install.complete(code, state);
    this.flows.count('install', outcome.kind);
    switch (outcome.kind) {
      case 'installed':
        void reply
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .redirect(`/app?installed=${outcome.reinstalled ? 'again' : '1'}`, 303);
        return;
      case 'bad-state':
        return this.page(
          reply,
          400,
          outcome.reason === 'expired'
            ? 'This install link expired'
            : 'This install link is not valid',
          [
            outcome.reason === 'expired'
              ? 'An installation has to be finished within 10 minutes of starting it.'
              : 'The link was changed or did not come from this app. Nothing was installed.',
          ],
        );
      case 'not-admin':
        return this.page(reply, 403, 'An administrator must install this app', [
          html`The app needs the <code>${REQUIRED_LIVECHAT_SCOPE}</code> permission to turn
            Instagram messages into LiveChat chats, and only a LiveChat administrator or owner can
            grant it.`,
          'Ask an administrator of your LiveChat organization to install the app from the Marketplace. Nothing was installed.',
        ]);
      case 'code-rejected':
        return this.page(reply, 400, 'LiveChat did not accept this installation', [
          'The authorization code is invalid, was already used, or expired. Start the installation again.',
        ]);
      case 'upstream-failed':
        return this.page(reply, 502, 'LiveChat did not answer', [
          'The installation could not be finished because LiveChat did not answer. Try again in a minute.',
        ]);
    }
  }

  private page(
    reply: FastifyReply,
    status: number,
    title: string,
    paragraphs: Array<string | ReturnType<typeof html>>,
  ): void {
    sendPage(
      reply,
      status,
      renderMessagePage({
        title,
        tone: status < 300 ? 'info' : 'error',
        paragraphs,
        actions: html`<a class="button" href="/install">Start the installation again</a>`,
      }),
    );
  }
}
