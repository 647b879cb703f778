import { Inject, Injectable } from '@nestjs/common';
import { CONNECTIONS_REDIS } from '@app/connections';
import { TOKEN_CIPHER, TokenCipher } from '@app/persistence';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';

/** How long the Page chooser waits for the admin's choice. */
export const CHOICE_TTL_MS = 10 * 60_000;

export interface PageOption {
  pageId: string;
  pageName: string;
  instagramAccountId: string;
  pageToken: string;
  username: string | null;
  name: string | null;
  avatarUrl: string | null;
}

/** What the chooser needs to finish a connection once the admin picks a Page. */
export interface PendingChoice {
  installationId: string;
  /** App-scoped Facebook user id of whoever logged in. */
  facebookUserId: string | null;
  display: 'page' | 'popup';
  options: PageOption[];
}

/**
 * The Page chooser's server-side state, in Redis for 10 minutes under an unguessable reference
 * (the only thing the chooser form posts back). The value holds Page tokens, so it is encrypted
 * with the token cipher, bound to its key.
 */
@Injectable()
export class ConnectChoiceStore {
  constructor(
    @Inject(CONNECTIONS_REDIS) private readonly redis: Redis,
    @Inject(TOKEN_CIPHER) private readonly cipher: TokenCipher,
    private readonly env: GatewayEnv,
  ) {}

  async save(choice: PendingChoice): Promise<string> {
    const ref = randomBytes(18).toString('base64url');
    const key = this.key(ref);
    await this.redis.set(
      key,
      this.cipher.encrypt(JSON.stringify(choice), key),
      'PX',
      CHOICE_TTL_MS,
    );
    return ref;
  }

  async load(ref: string): Promise<PendingChoice | undefined> {
    if (!/^[A-Za-z0-9_-]{24}$/.test(ref)) {
      return undefined;
    }
    const key = this.key(ref);
    const value = await this.redis.get(key);
    if (!value) {
      return undefined;
    }
    try {
      return JSON.parse(this.cipher.decrypt(value, key)) as PendingChoice;
    } catch {
      return undefined;
    }
  }

  async drop(ref: string): Promise<void> {
    await this.redis.del(this.key(ref));
  }

  /**
   * Marks a connect `state` as used; false when it already was (a replayed callback URL). Keep
   * the mark at least as long as the state is valid.
   */
  async claimNonce(nonce: string, ttlMs: number): Promise<boolean> {
    const set = await this.redis.set(
      `${this.env.REDIS_KEY_PREFIX}:connect:nonce:${nonce}`,
      '1',
      'PX',
      ttlMs,
      'NX',
    );
    return set === 'OK';
  }

  private key(ref: string): string {
    return `${this.env.REDIS_KEY_PREFIX}:connect:choice:${ref}`;
  }
}
