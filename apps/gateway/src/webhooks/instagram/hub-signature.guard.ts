import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { verifyHubSignature } from '@app/meta-graph';
import { FastifyRequest } from 'fastify';
import { GatewayEnv } from '../../config/gateway.env';
import { WebhookRefusal } from '../webhook-metrics.interceptor';

/**
 * Meta's `X-Hub-Signature-256` over the raw body, checked before anything parses it: the route's
 * body arrives as bytes (edge/body-limits.ts), so an unsigned body costs one HMAC. Either app
 * secret may sign (Facebook Login and Instagram Login apps).
 */
@Injectable()
export class HubSignatureGuard implements CanActivate {
  private readonly secrets: string[];

  constructor(env: GatewayEnv) {
    this.secrets = [env.META_APP_SECRET, env.META_INSTAGRAM_APP_SECRET].filter(
      (s): s is string => typeof s === 'string',
    );
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['x-hub-signature-256'];
    const signature = typeof header === 'string' ? header : undefined;
    const raw: unknown = request.body;
    if (Buffer.isBuffer(raw) && verifyHubSignature(raw, signature, this.secrets)) {
      return true;
    }
    throw new WebhookRefusal(
      signature ? 'bad_signature' : 'missing_signature',
      new UnauthorizedException(
        signature
          ? 'X-Hub-Signature-256 does not match the body'
          : 'X-Hub-Signature-256 is missing',
      ),
    ).at(context);
  }
}
