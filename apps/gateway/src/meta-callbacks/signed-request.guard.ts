import {
  BadRequestException,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { parseSignedRequest, SignedRequestPayload } from '@app/meta-graph';
import { FastifyRequest } from 'fastify';
import { GatewayEnv } from '../config/gateway.env';
import { WebhookRefusal } from '../webhooks/webhook-metrics.interceptor';
import { SignedRequestReplayGuard } from './signed-request-replay.guard';

/** A verified, fresh signed_request: the form field as sent (trimmed) and its payload. */
export interface VerifiedSignedRequest {
  signed: string;
  payload: SignedRequestPayload;
}

const VERIFIED = Symbol('verified-signed-request');
type WithVerified = FastifyRequest & { [VERIFIED]?: VerifiedSignedRequest };

/**
 * Meta's callbacks carry the form field `signed_request`, HMAC-SHA256 with the app secret (which
 * secret signs Instagram-Login callbacks is unconfirmed: either is accepted). One older than
 * META_SIGNED_REQUEST_MAX_AGE_SECONDS, or without issued_at, is refused. The handler reads the
 * verified request with `@SignedRequest()`.
 */
@Injectable()
export class SignedRequestGuard implements CanActivate {
  private readonly secrets: string[];

  constructor(
    private readonly replays: SignedRequestReplayGuard,
    env: GatewayEnv,
  ) {
    this.secrets = [env.META_APP_SECRET, env.META_INSTAGRAM_APP_SECRET].filter(
      (s): s is string => typeof s === 'string',
    );
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WithVerified>();
    try {
      request[VERIFIED] = this.verify(request.body);
      return true;
    } catch (error) {
      throw error instanceof WebhookRefusal ? error.at(context) : error;
    }
  }

  private verify(body: unknown): VerifiedSignedRequest {
    const signed =
      body && typeof body === 'object' && 'signed_request' in body
        ? body.signed_request
        : undefined;
    if (typeof signed !== 'string' || signed === '') {
      throw new WebhookRefusal('malformed', new BadRequestException('signed_request is missing'));
    }
    let failure = 'malformed';
    for (const secret of this.secrets) {
      const result = parseSignedRequest(signed, secret);
      if (result.ok) {
        this.checkFreshness(result.payload.issuedAt);
        return { signed: signed.trim(), payload: result.payload };
      }
      failure = result.reason;
    }
    throw new WebhookRefusal(
      failure.replace(/-/g, '_'),
      failure === 'bad-signature'
        ? new UnauthorizedException('signed_request signature does not match')
        : new BadRequestException(`signed_request is invalid: ${failure}`),
    );
  }

  private checkFreshness(issuedAt: number | undefined): void {
    const fresh = this.replays.freshness(issuedAt);
    if (!fresh.ok) {
      throw new WebhookRefusal(
        fresh.reason.replace(/-/g, '_'),
        new BadRequestException(
          fresh.reason === 'expired'
            ? 'signed_request is invalid: issued_at is too old (or in the future)'
            : 'signed_request is invalid: issued_at is missing',
        ),
      );
    }
  }
}

/** The signed_request SignedRequestGuard verified for this request. */
export const SignedRequest = createParamDecorator(
  (_data: unknown, context: ExecutionContext): VerifiedSignedRequest => {
    const verified = context.switchToHttp().getRequest<WithVerified>()[VERIFIED];
    if (!verified) {
      throw new Error('@SignedRequest() needs SignedRequestGuard on the route');
    }
    return verified;
  },
);
