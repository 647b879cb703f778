import { Injectable, Logger } from '@nestjs/common';
import { LiveChatCredentialsService } from '@app/credentials';
import { LiveChatAccountsClient } from '@app/livechat-sdk';
import { MetaGraphClient } from '@app/meta-graph';
import {
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstallationRepository,
  LifecycleRepository,
} from '@app/persistence';
import { CleanupMetrics } from '../common/cleanup-metrics';
import { messageOf } from '../common/error-message.util';
import { toleratedRevocationError } from '../common/platform-errors.util';

/** Step name → result, for the audit trail: our row ids and outcomes only. */
export type Steps = Record<string, string | number>;

/**
 * Takes back what the app was granted. Meta: the Page's webhook subscription, then the
 * permissions of the Facebook user who connected it (app token; skipped while that user's grant
 * still serves another live connection, which it would kill). LiveChat: cached customer tokens,
 * then the refresh and access tokens. Every step is idempotent; a token or object already gone is
 * recorded and accepted, a transient failure throws (the job retries, done steps answer "gone").
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    private readonly graph: MetaGraphClient,
    private readonly livechatAccounts: LiveChatAccountsClient,
    private readonly credentials: LiveChatCredentialsService,
    private readonly installations: InstallationRepository,
    private readonly accounts: InstagramAccountRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly metrics: CleanupMetrics,
  ) {}

  /** Meta side of some accounts (all of one installation, or the ones being disconnected). */
  async revokeMeta(accounts: readonly InstagramAccountEntity[], steps: Steps): Promise<void> {
    const leaving = accounts.map((a) => a.id);
    for (const account of accounts) {
      const step = `meta.subscription[${account.id}]`;
      const pageToken = account.pageTokenEnc
        ? await this.accounts.getPageToken(account.installationId, account.id)
        : null;
      if (!pageToken) {
        this.record(steps, step, 'no-token');
        continue;
      }
      if (await this.lifecycle.pageUsedElsewhere(account.pageId, leaving)) {
        this.record(steps, step, 'kept-shared');
        continue;
      }
      // Instagram Login: the account holds its own subscription (page_id is its id), on
      // graph.instagram.com with its own token.
      await this.step(steps, step, async () =>
        (await this.graph.forLogin(account.loginPath).unsubscribeApp(pageToken, account.pageId))
          ? 'revoked'
          : 'not-confirmed',
      );
    }
    // Facebook users only: Instagram Login has no documented permission revocation (the account
    // owner removes the app in Instagram's settings); unsubscribing and forgetting the token is it.
    const users = [
      ...new Set(
        accounts
          .filter((a) => a.loginPath !== 'instagram')
          .map((a) => a.connectedByUserId)
          .filter((u): u is string => !!u),
      ),
    ];
    for (const [index, userId] of users.entries()) {
      const step = `meta.permissions#${index + 1}`;
      if (await this.lifecycle.userConnectedElsewhere(userId, leaving)) {
        this.record(steps, step, 'kept-shared');
        continue;
      }
      await this.step(steps, step, async () =>
        (await this.graph.revokePermissions(this.graph.appAccessToken(), userId))
          ? 'revoked'
          : 'not-confirmed',
      );
    }
  }

  /**
   * Cached customer tokens of the installation (all, or those of some LiveChat customers), each
   * revoked, then dropped from Redis.
   */
  async revokeCustomerTokens(
    installationId: string,
    customerIds: readonly string[] | 'all',
    steps: Steps,
  ): Promise<void> {
    const only = customerIds === 'all' ? undefined : new Set(customerIds);
    const cached = (await this.credentials.cachedCustomerTokens(installationId)).filter(
      (t) => !only || only.has(t.customerId),
    );
    const results: Record<string, number> = {};
    for (const { customerId, token } of cached) {
      let result: string;
      try {
        result = (await this.livechatAccounts.revokeCustomerToken(token))
          ? 'revoked'
          : 'already-gone';
      } catch (error) {
        const tolerated = toleratedRevocationError(error);
        if (!tolerated) {
          throw error;
        }
        result = tolerated;
      }
      await this.credentials.forgetCustomer(installationId, customerId);
      this.metrics.steps.inc({ step: 'livechat.customer-token', result });
      results[result] = (results[result] ?? 0) + 1;
    }
    for (const [result, count] of Object.entries(results)) {
      steps[`livechat.customer-tokens.${result}`] = count;
    }
    if (cached.length === 0) {
      steps['livechat.customer-tokens'] = 'none-cached';
    }
  }

  /** The installation's LiveChat grant: refresh token, then access token; then forgotten. */
  async revokeLiveChatGrant(installationId: string, steps: Steps): Promise<void> {
    const tokens = await this.installations.getTokens(installationId);
    if (tokens.refreshToken) {
      const refreshToken = tokens.refreshToken;
      await this.step(steps, 'livechat.refresh-token', async () =>
        (await this.livechatAccounts.revoke(refreshToken)) ? 'revoked' : 'already-gone',
      );
    } else {
      this.record(steps, 'livechat.refresh-token', 'no-token');
    }
    if (tokens.accessToken) {
      const accessToken = tokens.accessToken;
      await this.step(steps, 'livechat.access-token', async () =>
        (await this.livechatAccounts.revoke(accessToken)) ? 'revoked' : 'already-gone',
      );
    } else {
      this.record(steps, 'livechat.access-token', 'no-token');
    }
    await this.lifecycle.clearLiveChatTokens(installationId);
  }

  /**
   * Before a purge: whatever revocation did not finish gets one more try, and the purge goes on
   * whatever happens (deleting the data is the promise that cannot wait).
   */
  async lastTry(what: string, steps: Steps, revoke: () => Promise<void>): Promise<void> {
    try {
      await revoke();
    } catch (error) {
      steps[`${what}.last-try`] = 'failed';
      this.logger.warn({
        msg: 'revocation before purge failed; purging anyway',
        what,
        reason: messageOf(error),
      });
    }
  }

  private async step(steps: Steps, name: string, run: () => Promise<string>): Promise<void> {
    let result: string;
    try {
      result = await run();
    } catch (error) {
      const tolerated = toleratedRevocationError(error);
      if (!tolerated) {
        throw error;
      }
      result = tolerated;
    }
    this.record(steps, name, result);
  }

  private record(steps: Steps, name: string, result: string): void {
    steps[name] = result;
    this.metrics.steps.inc({ step: name.replace(/[[#].*$/, ''), result });
  }
}
