import { Inject, Injectable } from '@nestjs/common';
import { CREDENTIALS_REDIS } from '@app/credentials';
import { TOKEN_CIPHER, TokenCipher } from '@app/persistence';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { redisKeys } from '@app/queues';
import { GatewayEnv } from '../config/gateway.env';

/**
 * How long the settings page has to complete a connect after Facebook's callback (the handle
 * travels from the callback page to the settings page in a second; the Page choice takes longer).
 */
export const HANDLE_TTL_MS = 5 * 60_000;

/** A handle: 24 random bytes, base64url. */
export const HANDLE_PATTERN = /^[A-Za-z0-9_-]{32}$/;

export interface PageOption {
  pageId: string;
  pageName: string;
  instagramAccountId: string;
  pageToken: string;
  username: string | null;
  name: string | null;
  avatarUrl: string | null;
  /** Epoch ms the token expires (Instagram Login); absent or null: never. */
  tokenExpiresAt?: number | null;
}

/** A finished Facebook login waiting for the initiating installation's admin to complete it. */
export interface PendingConnect {
  /** The installation named in the signed `state`: the only one that may complete it. */
  installationId: string;
  /** LiveChat account id of the admin who clicked "Connect" (logs). */
  livechatAccountId: string;
  /** App-scoped Facebook user id of whoever logged in. */
  facebookUserId: string | null;
  /** `instagram`: an Instagram Login (one option: the account itself); absent: Facebook Login. */
  login?: 'instagram';
  options: PageOption[];
}

/** A handle taken for one completion attempt: give it back with `restore` unless it connected. */
export interface TakenHandle {
  pending: PendingConnect;
  sealed: string;
  ttlMs: number;
}

/**
 * The connect flow's server-side state between Facebook's callback and the settings page's
 * `POST /api/instagram/connect/complete`: in Redis for a few minutes under an unguessable,
 * single-use handle. The value holds Page tokens, so it is encrypted with the token cipher,
 * bound to its key.
 */
@Injectable()
export class ConnectHandleStore {
  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(TOKEN_CIPHER) private readonly cipher: TokenCipher,
    private readonly env: GatewayEnv,
  ) {}

  async save(pending: PendingConnect): Promise<string> {
    const handle = randomBytes(24).toString('base64url');
    const key = this.key(handle);
    await this.redis.set(
      key,
      this.cipher.encrypt(JSON.stringify(pending), key),
      'PX',
      HANDLE_TTL_MS,
    );
    return handle;
  }

  /** Reads without using it up. */
  async peek(handle: string): Promise<PendingConnect | undefined> {
    if (!HANDLE_PATTERN.test(handle)) {
      return undefined;
    }
    const key = this.key(handle);
    return this.open(key, await this.redis.get(key));
  }

  /** Takes the handle out of Redis atomically: of two concurrent callers, one gets it. */
  async take(handle: string): Promise<TakenHandle | undefined> {
    if (!HANDLE_PATTERN.test(handle)) {
      return undefined;
    }
    const key = this.key(handle);
    const results = await this.redis.multi().pttl(key).get(key).del(key).exec();
    const [ttl, value, deleted] = (results ?? []).map(([error, result]) =>
      error ? undefined : result,
    );
    if (deleted !== 1 || typeof value !== 'string') {
      return undefined;
    }
    const pending = this.open(key, value);
    if (!pending) {
      return undefined;
    }
    return { pending, sealed: value, ttlMs: typeof ttl === 'number' && ttl > 0 ? ttl : 1 };
  }

  /** Puts a taken handle back for what remained of its lifetime (an attempt that connected nothing). */
  async restore(handle: string, taken: TakenHandle): Promise<void> {
    await this.redis.set(this.key(handle), taken.sealed, 'PX', taken.ttlMs, 'NX');
  }

  async burn(handle: string): Promise<void> {
    if (HANDLE_PATTERN.test(handle)) {
      await this.redis.del(this.key(handle));
    }
  }

  /**
   * Marks a connect `state` as used; false when it already was (a replayed callback URL). Keep
   * the mark at least as long as the state is valid.
   */
  async claimNonce(nonce: string, ttlMs: number): Promise<boolean> {
    const set = await this.redis.set(
      redisKeys.connectNonce(this.env.REDIS_KEY_PREFIX, nonce),
      '1',
      'PX',
      ttlMs,
      'NX',
    );
    return set === 'OK';
  }

  private open(key: string, value: string | null): PendingConnect | undefined {
    if (!value) {
      return undefined;
    }
    try {
      return JSON.parse(this.cipher.decrypt(value, key)) as PendingConnect;
    } catch {
      return undefined;
    }
  }

  private key(handle: string): string {
    return redisKeys.connectHandle(this.env.REDIS_KEY_PREFIX, handle);
  }
}
