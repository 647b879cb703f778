import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
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
import { STRICT_BODY } from '../settings/settings-api.controller';
import { ConnectRequestDto } from '../settings/settings.dto';
import { renderConnectResult } from './connect-pages';
import { ConnectResult, InstagramConnectService } from './instagram-connect.service';

/** Connecting Instagram accounts: the dialog URL (settings API), Facebook's callback, the chooser. */
@Controller()
export class ConnectController {
  private readonly imgSrc: string[];

  constructor(
    private readonly connect: InstagramConnectService,
    private readonly flows: AdminFlowMetrics,
    env: GatewayEnv,
  ) {
    this.imgSrc = avatarImageSources(env.META_GRAPH_URL);
  }

  /** `{ url }` of the Facebook Login dialog, with a signed state naming the installation. */
  @Post('api/instagram/connect')
  @UseGuards(AdminAuthGuard)
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  start(@Admin() admin: AdminContext, @Body(STRICT_BODY) body: ConnectRequestDto): { url: string } {
    this.flows.count('connect', 'started');
    return {
      url: this.connect.loginUrl(admin.installation.id, admin.accountId, body.display ?? 'page'),
    };
  }

  /** Facebook Login comes back here with `code` + `state`, or `error` + `state`. */
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

  /** The chooser form: `ref` (its server-side reference) and the chosen `page_id`. */
  @Post('connect/instagram/choose')
  async choose(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const fields =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const { ref, page_id: pageId } = fields;
    if (typeof ref !== 'string' || typeof pageId !== 'string' || !/^\d{1,32}$/.test(pageId)) {
      return this.send(reply, {
        display: 'page',
        outcome: { kind: 'bad-request', message: 'Choose one of the Pages listed.' },
      });
    }
    return this.send(reply, await this.connect.choose(ref, pageId));
  }

  private send(reply: FastifyReply, result: ConnectResult): void {
    this.flows.count('connect', result.outcome.kind);
    const { status, page } = renderConnectResult(result);
    sendPage(reply, status, page, { imgSrc: this.imgSrc });
  }
}
