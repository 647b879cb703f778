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
const REFUSED_TOKEN_CACHE_MS = 10_000;
const MAX_CACHE_ENTRIES = 5_000;

/**
 * Validates the LiveChat token the settings page sends (the admin's own, obtained in the browser)
 * with LiveChat's `/v2/info`, briefly cached per process under a hash of the token: the cache never
 * holds a token, and a revoked token stops working within a minute.
 */
@Injectable()
export class AdminTokenService {
  private readonly logger = new Logger(AdminTokenService.name);
  private readonly cache = new Map<string, { until: number; check: AdminTokenCheck }>();

  constructor(
    private readonly accounts: LiveChatAccountsClient,
    private readonly env: GatewayEnv,
  ) {}

  async validate(token: string, now: number = Date.now()): Promise<AdminTokenCheck> {
    const key = createHash('sha256').update(token, 'utf8').digest('base64url');
    const hit = this.cache.get(key);
    if (hit && hit.until > now) {
      return hit.check;
    }
    this.cache.delete(key);
    const check = await this.ask(token);
    if (check.ok || check.status === 401) {
      const ttl = check.ok ? ADMIN_TOKEN_CACHE_MS : REFUSED_TOKEN_CACHE_MS;
      if (this.cache.size >= MAX_CACHE_ENTRIES) {
        // Map keeps insertion order: drop the oldest entry.
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) {
          this.cache.delete(oldest);
        }
      }
      this.cache.set(key, { until: Date.now() + ttl, check });
    }
    return check;
  }

  private async ask(token: string): Promise<AdminTokenCheck> {
    try {
      const info = await this.accounts.info(token);
      if (info.clientId !== undefined && info.clientId !== this.env.LIVECHAT_CLIENT_ID) {
        return {
          ok: false,
          status: 401,
          message: 'This LiveChat token was issued to another application: sign in again.',
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
