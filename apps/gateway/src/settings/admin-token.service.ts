import { Injectable, Logger } from '@nestjs/common';
import { isLiveChatApiError, LiveChatAccountsClient } from '@app/livechat-sdk';
import { createHash } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';

export interface AdminIdentity {
  accountId: string;
  organizationId: string;
  scopes: string[];
}

export type AdminTokenCheck =
  { ok: true; identity: AdminIdentity } | { ok: false; status: 401 | 503; message: string };

/** A valid token is trusted this long without asking LiveChat again. */
export const ADMIN_TOKEN_CACHE_MS = 60_000;
/** A refused token is refused from memory this long (a bad client does not hammer LiveChat). */
export const REFUSED_TOKEN_CACHE_MS = 10 * 60_000;
const MAX_VALID_ENTRIES = 5_000;
const MAX_REFUSED_ENTRIES = 20_000;

/** A bounded cache of token checks by token hash; the oldest entry goes first when full. */
class CheckCache {
  private readonly entries = new Map<string, { until: number; check: AdminTokenCheck }>();

  constructor(private readonly max: number) {}

  get(key: string, now: number): AdminTokenCheck | undefined {
    const hit = this.entries.get(key);
    if (!hit) {
      return undefined;
    }
    if (hit.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.check;
  }

  set(key: string, check: AdminTokenCheck, until: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) {
      // Map keeps insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) {
        this.entries.delete(oldest);
      }
    }
    this.entries.set(key, { until, check });
  }
}

/**
 * Validates the LiveChat token the settings page sends (the admin's own, obtained in the browser)
 * with LiveChat's `/v2/info`, cached per process under a hash of the token: the caches never hold
 * a token, and a revoked token stops working within a minute. A token is accepted only when
 * LiveChat says it was issued to our LIVECHAT_CLIENT_ID (a token another app obtained from the
 * same admin is not a sign-in to ours).
 *
 * Against a flood of random Bearer tokens: the /api rate limit bounds how many reach this
 * service per client IP; concurrent checks of one token share one LiveChat call; refused tokens
 * are remembered as refused in a cache of their own, so the flood can neither evict the valid
 * tokens admins are using nor make us ask LiveChat about the same bad token twice.
 */
@Injectable()
export class AdminTokenService {
  private readonly logger = new Logger(AdminTokenService.name);
  private readonly valid = new CheckCache(MAX_VALID_ENTRIES);
  private readonly refused = new CheckCache(MAX_REFUSED_ENTRIES);
  private readonly inFlight = new Map<string, Promise<AdminTokenCheck>>();

  constructor(
    private readonly accounts: LiveChatAccountsClient,
    private readonly env: GatewayEnv,
  ) {}

  async validate(token: string, now: number = Date.now()): Promise<AdminTokenCheck> {
    const key = createHash('sha256').update(token, 'utf8').digest('base64url');
    const cached = this.valid.get(key, now) ?? this.refused.get(key, now);
    if (cached) {
      return cached;
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      return pending;
    }
    const check = this.ask(token)
      .then((result) => {
        if (result.ok) {
          this.valid.set(key, result, Date.now() + ADMIN_TOKEN_CACHE_MS);
        } else if (result.status === 401) {
          this.refused.set(key, result, Date.now() + REFUSED_TOKEN_CACHE_MS);
        }
        return result;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, check);
    return check;
  }

  private async ask(token: string): Promise<AdminTokenCheck> {
    try {
      const info = await this.accounts.info(token);
      if (info.clientId !== this.env.LIVECHAT_CLIENT_ID) {
        return {
          ok: false,
          status: 401,
          message: 'This LiveChat token was not issued to this app: sign in again.',
        };
      }
      if (info.expiresIn <= 0) {
        return { ok: false, status: 401, message: 'Your LiveChat sign-in expired: sign in again.' };
      }
      return {
        ok: true,
        identity: {
          accountId: info.accountId,
          organizationId: info.organizationId,
          scopes: info.scopes,
        },
      };
    } catch (error) {
      if (isLiveChatApiError(error) && (error.kind === 'auth' || error.kind === 'permanent')) {
        return {
          ok: false,
          status: 401,
          message: 'LiveChat does not accept this token (expired or revoked): sign in again.',
        };
      }
      this.logger.warn({ msg: 'LiveChat token check failed', error: String(error) });
      return {
        ok: false,
        status: 503,
        message: 'LiveChat did not answer while checking your sign-in. Try again in a moment.',
      };
    }
  }
}
