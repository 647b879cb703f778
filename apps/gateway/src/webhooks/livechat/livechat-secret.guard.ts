import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { secretKeyMatches } from '@app/livechat-sdk';
import { FastifyRequest } from 'fastify';
import { GatewayEnv } from '../../config/gateway.env';
import { WebhookRefusal } from '../webhook-metrics.interceptor';

/** LiveChat signs nothing: a chat webhook is authentic when its body's `secret_key` matches. */
@Injectable()
export class LiveChatSecretGuard implements CanActivate {
  constructor(private readonly env: GatewayEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const body: unknown = context.switchToHttp().getRequest<FastifyRequest>().body;
    const secret: unknown =
      typeof body === 'object' && body !== null && !Array.isArray(body) && 'secret_key' in body
        ? body.secret_key
        : undefined;
    if (secretKeyMatches(secret, this.env.LIVECHAT_WEBHOOK_SECRET)) {
      return true;
    }
    throw new WebhookRefusal(
      secret === undefined ? 'missing_secret' : 'bad_secret',
      new UnauthorizedException(
        secret === undefined ? 'secret_key is missing' : 'secret_key does not match',
      ),
    ).at(context);
  }
}
