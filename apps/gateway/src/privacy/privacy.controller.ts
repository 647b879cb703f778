import { Controller, Get, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { GatewayEnv } from '../config/gateway.env';
import { SafeHtml } from '../pages/html.util';
import { sendPage } from '../pages/page-layout';
import { renderPrivacyPolicy } from './privacy.view';

/** `GET /privacy`: what the product actually does with data, with the operator's name and contact. */
@Controller('privacy')
export class PrivacyController {
  private readonly page: SafeHtml;

  constructor(env: GatewayEnv) {
    this.page = renderPrivacyPolicy(env);
  }

  @Get()
  show(@Res() reply: FastifyReply): void {
    sendPage(reply, 200, this.page);
  }
}
