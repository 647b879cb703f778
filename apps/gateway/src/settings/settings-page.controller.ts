import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { GatewayEnv } from '../config/gateway.env';
import { SafeHtml } from '../pages/html.util';
import { avatarImageSources, sendPage } from '../pages/page-layout';
import { SETTINGS_BUNDLE } from './settings-bundle.generated';
import { renderSettingsPage } from './settings-page.view';

/**
 * Who may frame the settings page: LiveChat's Agent App shows it in an iframe under
 * Settings › Apps (my.livechatinc.com today; LiveChat's other app domains for good measure).
 */
export const LIVECHAT_FRAME_ANCESTORS: readonly string[] = [
  'https://my.livechatinc.com',
  'https://*.livechatinc.com',
  'https://*.livechat.com',
  'https://*.text.com',
];

const ASSET_CACHE = 'public, max-age=31536000, immutable';

/** `/app`: the settings page (static; its browser code talks to /api with the admin's token). */
@Controller('app')
export class SettingsPageController {
  private readonly page: SafeHtml;
  private readonly imgSrc: string[];

  constructor(env: GatewayEnv) {
    const publicUrl = env.PUBLIC_URL.replace(/\/+$/, '');
    this.page = renderSettingsPage({
      accountsUrl: env.LIVECHAT_ACCOUNTS_URL,
      clientId: env.LIVECHAT_CLIENT_ID,
      redirectUri: `${publicUrl}/app`,
    });
    this.imgSrc = avatarImageSources(env.META_GRAPH_URL);
  }

  @Get()
  show(@Res() reply: FastifyReply): void {
    sendPage(reply, 200, this.page, {
      frameAncestors: LIVECHAT_FRAME_ANCESTORS,
      imgSrc: this.imgSrc,
    });
  }

  @Get('app.js')
  script(
    @Query('v') version: unknown,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.asset(
      reply,
      'application/javascript; charset=utf-8',
      SETTINGS_BUNDLE.js,
      version,
      ifNoneMatch,
    );
  }

  @Get('app.css')
  stylesheet(
    @Query('v') version: unknown,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.asset(reply, 'text/css; charset=utf-8', SETTINGS_BUNDLE.css, version, ifNoneMatch);
  }

  private asset(
    reply: FastifyReply,
    type: string,
    body: string,
    version: unknown,
    ifNoneMatch: string | undefined,
  ): void {
    const etag = `"${SETTINGS_BUNDLE.version}"`;
    void reply
      .header('content-type', type)
      .header('x-content-type-options', 'nosniff')
      .header('etag', etag)
      .header('cache-control', version === SETTINGS_BUNDLE.version ? ASSET_CACHE : 'no-cache');
    if (ifNoneMatch === etag) {
      void reply.status(304).send();
      return;
    }
    void reply.status(200).send(body);
  }
}
