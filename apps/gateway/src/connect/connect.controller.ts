import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpException,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { GatewayEnv } from '../config/gateway.env';
import { AdminFlowMetrics } from '../pages/admin-flow.metrics';
import { avatarImageSources, sendPage } from '../pages/page-layout';
import { queryParam } from '../pages/query.util';
import { Admin, AdminAuthGuard, AdminContext } from '../settings/admin-auth.guard';
import { accountView } from '../settings/instagram-accounts.service';
import { STRICT_BODY } from '../settings/settings-api.controller';
import {
  AccountView,
  CompleteConnectDto,
  ConnectRequestDto,
  PageChoiceView,
} from '../settings/settings.dto';
import { completeRefusal, renderConnectResult } from './connect.view';
import { ChooserOption, ConnectResult, InstagramConnectService } from './instagram-connect.service';

export type CompleteConnectView =
  { account: AccountView; reconnected: boolean } | { choose: PageChoiceView[] };

function pageChoiceView(option: ChooserOption): PageChoiceView {
  return {
    pageId: option.pageId,
    name: option.pageName,
    username: option.username,
    instagramName: option.name,
    avatarUrl: option.avatarUrl,
    state: option.state,
  };
}

/**
 * Connecting Instagram accounts: the dialog URL (settings API), Facebook's callback (hands a
 * single-use handle to the settings page; connects nothing), and the completion (settings API).
 */
@Controller()
export class ConnectController {
  private readonly imgSrc: string[];
  private readonly settingsOrigin: string;

  constructor(
    private readonly connect: InstagramConnectService,
    private readonly flows: AdminFlowMetrics,
    env: GatewayEnv,
  ) {
    this.imgSrc = avatarImageSources(env.META_GRAPH_URL);
    this.settingsOrigin = new URL(env.PUBLIC_URL).origin;
  }

  /** `{ url }` of the login dialog, with a signed state naming the installation. */
  @Post('api/instagram/connect')
  @UseGuards(AdminAuthGuard)
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  start(@Admin() admin: AdminContext, @Body(STRICT_BODY) body: ConnectRequestDto): { url: string } {
    const login = body.login ?? 'facebook';
    if (login === 'instagram' && !this.connect.instagramLoginAvailable()) {
      throw new BadRequestException(
        'Connecting an Instagram professional account directly (Instagram Login) is not set up on this server (META_INSTAGRAM_APP_ID and META_INSTAGRAM_APP_SECRET): connect through a Facebook Page ("login": "facebook").',
      );
    }
    this.flows.count('connect', 'started');
    return {
      url: this.connect.loginUrl(
        admin.installation.id,
        admin.accountId,
        body.display ?? 'page',
        Date.now(),
        login,
      ),
    };
  }

  /** Facebook Login and Instagram Login come back here with `code` + `state`, or `error` + `state`. */
  @Get('connect/instagram/callback')
  async callback(
    @Query() query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const params = ['code', 'state', 'error', 'error_description'].map((name) =>
      queryParam(query, name),
    );
    if (params.some((p) => p === null)) {
      return this.send(reply, {
        display: 'page',
        outcome: { kind: 'bad-request', message: 'A parameter was repeated or too long.' },
      });
    }
    const [code, state, error, errorDescription] = params as Array<string | undefined>;
    const result = await this.connect.callback({ code, state, error, errorDescription });
    return this.send(reply, result);
  }

  /**
   * The settings page completes a connect with the callback's handle: only an admin of the
   * installation that started it can. `{ choose }` when several Pages qualify; then again with
   * the `pageId` chosen.
   */
  @Post('api/instagram/connect/complete')
  @UseGuards(AdminAuthGuard)
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async complete(
    @Admin() admin: AdminContext,
    @Body(STRICT_BODY) body: CompleteConnectDto,
  ): Promise<CompleteConnectView> {
    const outcome = await this.connect.complete(admin.installation.id, body.handle, body.pageId);
    this.flows.count('connect', outcome.kind);
    switch (outcome.kind) {
      case 'connected':
        return { account: accountView(outcome.account), reconnected: outcome.reconnected };
      case 'choose':
        return { choose: outcome.options.map(pageChoiceView) };
      default: {
        const refusal = completeRefusal(outcome);
        throw new HttpException(
          { statusCode: refusal.status, reason: refusal.reason, message: refusal.message },
          refusal.status,
        );
      }
    }
  }

  private send(reply: FastifyReply, result: ConnectResult): void {
    this.flows.count('connect', result.outcome.kind);
    const { status, page } = renderConnectResult(result, this.settingsOrigin);
    sendPage(reply, status, page, { imgSrc: this.imgSrc });
  }
}
