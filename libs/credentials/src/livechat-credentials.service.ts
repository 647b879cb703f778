import { Inject, Injectable, Logger } from '@nestjs/common';
import { isLiveChatApiError, LiveChatAccountsClient, SingleFlight } from '@app/livechat-sdk';
import {
  InstallationRepository,
  InstallationTokens,
  TOKEN_CIPHER,
  TokenCipher,
} from '@app/persistence';
import { Metrics } from '@app/platform';
import { redisKeys, RedisLock } from '@app/queues';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import {
  CREDENTIALS_OPTIONS,
  CREDENTIALS_REDIS,
  CredentialsOptions,
} from './credentials-redis.provider';
import { ConnectionSignals } from './connection-signals.service';
import { RelayError } from './errors';

/** Refresh agent tokens this long before they expire. */
const REFRESH_MARGIN_MS = 10 * 60_000;
/** Customer tokens are cached until this long before they expire. */
const CUSTOMER_TOKEN_MARGIN_MS = 15 * 60_000;
const REFRESH_LOCK_TTL_MS = 20_000;
/**
 * A token obtained because LiveChat refused its predecessor, and refused in turn within this, is
 * not refreshed again at once: every refresh takes one of the account's 25 token slots, so a
 * refusal that is not about the token must not become a refresh per message. The call fails
 * (retryable) and its job's backoff spaces the next refreshes out.
 */
const REFUSAL_REFRESH_QUIET_MS = 10_000;

/** Names a token in Redis without storing it. */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface CustomerCredentials {
  token: string;
  customerId: string;
  /** True when this call created the LiveChat customer. */
  created: boolean;
}

/**
 * LiveChat credentials of an installation: the admin's agent token (refreshed single-flight across
 * every process: LiveChat silently revokes the oldest of 25 tokens, so a refresh stampede would
 * log the installation out) and customer tokens, cached encrypted in Redis so every worker shares
 * them and uninstall can revoke them.
 */
@Injectable()
export class LiveChatCredentialsService {
  private readonly logger = new Logger(LiveChatCredentialsService.name);
  private readonly refreshes = new SingleFlight<string>();
  private readonly customerMints = new SingleFlight<CustomerCredentials>();
  private readonly lock: RedisLock;

  constructor(
    private readonly installations: InstallationRepository,
    private readonly accounts: LiveChatAccountsClient,
    private readonly metrics: Metrics,
    @Inject(TOKEN_CIPHER) private readonly cipher: TokenCipher,
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
    private readonly signals: ConnectionSignals,
  ) {
    this.lock = new RedisLock(redis);
  }

  /**
   * A valid agent access token of the installation, refreshed when close to expiry, or when
   * `refused` names the token LiveChat just refused (whatever its stored expiry: LiveChat revokes
   * the oldest of 25 tokens, and an admin can log every session out). One refresh for all: a
   * process that finds the stored token already replaced uses the replacement.
   */
  async agentToken(
    installationId: string,
    options: { forceRefresh?: boolean; refused?: string } = {},
  ): Promise<string> {
    const tokens = await this.installations.getTokens(installationId);
    if (
      !options.forceRefresh &&
      tokens.accessToken &&
      tokens.accessToken !== options.refused &&
      tokens.expiresAt &&
      tokens.expiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS
    ) {
      return tokens.accessToken;
    }
    const stale = options.refused ?? tokens.accessToken;
    if (!options.refused) {
      return this.refreshes.run(installationId, () =>
        this.refreshAcrossProcesses(installationId, stale),
      );
    }
    const lastRefusal = redisKeys.agentRefused(this.options.redisPrefix, installationId);
    if ((await this.redis.get(lastRefusal)) === digest(options.refused)) {
      throw new RelayError(
        'retryable',
        'LiveChat refused an agent token refreshed moments ago',
        'refused_after_refresh',
      );
    }
    const token = await this.refreshes.run(installationId, () =>
      this.refreshAcrossProcesses(installationId, stale),
    );
    await this.redis.set(lastRefusal, digest(token), 'PX', REFUSAL_REFRESH_QUIET_MS);
    return token;
  }

  /**
   * Runs a call with the agent token; when LiveChat refuses the token, refreshes it once (single
   * flight across processes) and runs the call again at once.
   */
  async withAgentToken<T>(installationId: string, call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.agentToken(installationId);
    try {
      return await call(token);
    } catch (error) {
      if (!isLiveChatApiError(error) || error.kind !== 'auth') {
        throw error;
      }
      this.logger.warn({
        msg: 'livechat refused the agent token before its stored expiry; refreshing now',
        installationId,
      });
      return call(await this.agentToken(installationId, { refused: token }));
    }
  }

  /**
   * Runs a call with the LiveChat customer's token; when LiveChat refuses it, the cached token is
   * dropped and a new one minted for the same customer, and the call runs again at once.
   */
  async asCustomer<T>(
    installationId: string,
    customerId: string,
    call: (token: string) => Promise<T>,
  ): Promise<T> {
    const creds = await this.customer(installationId, customerId);
    try {
      return await call(creds.token);
    } catch (error) {
      if (!isLiveChatApiError(error) || error.kind !== 'auth') {
        throw error;
      }
      await this.forgetCustomer(installationId, customerId);
      const fresh = await this.customer(installationId, customerId, { fresh: true });
      return call(fresh.token);
    }
  }

  private async refreshAcrossProcesses(
    installationId: string,
    staleToken: string | null,
  ): Promise<string> {
    const key = redisKeys.agentRefresh(this.options.redisPrefix, installationId);
    const deadline = Date.now() + REFRESH_LOCK_TTL_MS;
    for (;;) {
      const lease = await this.lock.acquire(key, REFRESH_LOCK_TTL_MS);
      if (lease) {
        try {
          return await this.refreshHoldingLock(installationId, staleToken);
        } finally {
          await this.lock.release(key, lease);
        }
      }
      // Another process is refreshing: use its result when it lands.
      const tokens = await this.installations.getTokens(installationId);
      const fresh = freshReplacement(tokens, staleToken);
      if (fresh) {
        return fresh;
      }
      if (Date.now() > deadline) {
        throw new RelayError(
          'retryable',
          'timed out waiting for another process to refresh the LiveChat token',
          'refresh_wait_timeout',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async refreshHoldingLock(
    installationId: string,
    staleToken: string | null,
  ): Promise<string> {
    // Someone may have refreshed between our read and the lock.
    const tokens = await this.installations.getTokens(installationId);
    const fresh = freshReplacement(tokens, staleToken);
    if (fresh) {
      return fresh;
    }
    if (!tokens.refreshToken) {
      await this.needsReauth(installationId);
      throw new RelayError(
        'auth',
        'the installation has no refresh token: reinstall the app',
        'no_refresh_token',
      );
    }
    try {
      const set = await this.accounts.refresh(tokens.refreshToken);
      await this.installations.saveAccessToken(
        installationId,
        set.accessToken,
        set.expiresAt,
        set.refreshToken,
      );
      this.metrics.tokenRefreshes.inc({
        platform: 'livechat',
        kind: 'agent',
        outcome: 'refreshed',
      });
      this.logger.log({ msg: 'livechat agent token refreshed', installationId });
      return set.accessToken;
    } catch (error) {
      this.metrics.tokenRefreshes.inc({ platform: 'livechat', kind: 'agent', outcome: 'failed' });
      if (isLiveChatApiError(error) && error.kind === 'auth') {
        await this.needsReauth(installationId);
      }
      throw error;
    }
  }

  /** The grant itself is gone: only the admin reinstalling brings it back. */
  private async needsReauth(installationId: string): Promise<void> {
    await this.installations.markNeedsReauth(installationId);
    await this.signals.changed();
    this.logger.warn({
      msg: 'livechat refused the refresh grant',
      installationId,
    });
  }

  private customerKey(installationId: string, customerId: string): string {
    return redisKeys.customerToken(this.options.redisPrefix, installationId, customerId);
  }

  /**
   * A customer token for the LiveChat customer behind an Instagram user: the cached one, a new
   * one for the known customer, or a new customer (when `customerId` is null).
   */
  async customer(
    installationId: string,
    customerId: string | null,
    options: { fresh?: boolean } = {},
  ): Promise<CustomerCredentials> {
    if (customerId && !options.fresh) {
      const cached = await this.redis.get(this.customerKey(installationId, customerId));
      if (cached) {
        return {
          token: this.cipher.decrypt(cached, this.customerKey(installationId, customerId)),
          customerId,
          created: false,
        };
      }
    }
    const flightKey = `${installationId}:${customerId ?? 'new'}:${options.fresh ? 'fresh' : ''}`;
    if (!customerId) {
      // Never single-flight customer creation across different Instagram users: each needs its own.
      return this.mint(installationId, null);
    }
    return this.customerMints.run(flightKey, () => this.mint(installationId, customerId));
  }

  private async mint(
    installationId: string,
    customerId: string | null,
  ): Promise<CustomerCredentials> {
    // A refused agent token is refreshed and the grant asked again: for a known customer always
    // the same customer id, never a new identity.
    const set = await this.withAgentToken(installationId, (agentToken) =>
      customerId
        ? this.accounts.customerToken(agentToken, customerId)
        : this.accounts.createCustomer(agentToken),
    );
    this.metrics.tokenRefreshes.inc({
      platform: 'livechat',
      kind: customerId ? 'customer' : 'customer-created',
      outcome: 'minted',
    });
    const key = this.customerKey(installationId, set.entityId);
    const ttl = set.expiresIn * 1000 - CUSTOMER_TOKEN_MARGIN_MS;
    if (ttl > 0) {
      await this.redis.set(key, this.cipher.encrypt(set.accessToken, key), 'PX', ttl);
    }
    return { token: set.accessToken, customerId: set.entityId, created: customerId === null };
  }

  /** Drops a cached customer token LiveChat refused (it is re-minted on next use). */
  async forgetCustomer(installationId: string, customerId: string): Promise<void> {
    await this.redis.del(this.customerKey(installationId, customerId));
  }

  /** Every cached customer token of an installation (uninstall revokes them). */
  async cachedCustomerTokens(
    installationId: string,
  ): Promise<Array<{ customerId: string; token: string }>> {
    const out: Array<{ customerId: string; token: string }> = [];
    const match = redisKeys.customerTokensOf(this.options.redisPrefix, installationId);
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const value = await this.redis.get(key);
        if (value) {
          out.push({
            customerId: key.slice(key.lastIndexOf(':') + 1),
            token: this.cipher.decrypt(value, key),
          });
        }
      }
    } while (cursor !== '0');
    return out;
  }
}

/**
 * The stored access token when it replaced `staleToken` and is not near expiry: another process
 * refreshed meanwhile, so use its result instead of refreshing again.
 */
function freshReplacement(
  tokens: InstallationTokens,
  staleToken: string | null,
): string | undefined {
  const { accessToken, expiresAt } = tokens;
  return accessToken &&
    accessToken !== staleToken &&
    expiresAt &&
    expiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS
    ? accessToken
    : undefined;
}
