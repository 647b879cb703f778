import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { secretKeyMatches } from '@app/livechat-sdk';
import { FastifyRequest } from 'fastify';
import { GatewayEnv } from '../../config/gateway.env';
import { WebhookRefusal } from '../webhook-metrics.interceptor';

/**
 * LiveChat signs no app webhook: the long random `?token=` of the configured URL is checked in
 * constant time before anything else (a refusal changes nothing).
 */
@Injectable()
export class AppWebhookTokenGuard implements CanActivate {
  constructor(private readonly env: GatewayEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const query = context.switchToHttp().getRequest<FastifyRequest>().query;
    const token: unknown =
      typeof query === 'object' && query !== null && 'token' in query ? query.token : undefined;
    if (secretKeyMatches(token, this.env.LIVECHAT_APP_WEBHOOK_TOKEN)) {
      return true;
    }
    throw new WebhookRefusal(
      token === undefined ? 'missing_token' : 'bad_token',
      new UnauthorizedException(
        token === undefined ? 'the token query parameter is missing' : 'token does not match',
      ),
    ).at(context);
  }
}
