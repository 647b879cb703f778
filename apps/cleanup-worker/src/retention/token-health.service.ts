import { Injectable, Logger } from '@nestjs/common';
import { LiveChatCredentialsService } from '@app/connections';
import { isMetaGraphError, MetaGraphClient } from '@app/meta-graph';
import { InstagramAccountRepository, LifecycleRepository } from '@app/persistence';
import { TokenHealthJob } from '@app/queues';
import { kindOf, messageOf } from '../common/job-runner.util';

/** Agent tokens expiring within this are refreshed ahead (the relay's own margin is 10 min). */
const REFRESH_AHEAD_MS = 30 * 60_000;
const BATCH = 200;
/** The permission without which nothing is relayed to or from Instagram. */
const MESSAGING_SCOPE = 'instagram_manage_messages';

export const PAGE_TOKEN_INVALID_REASON =
  'Facebook no longer accepts this connection (its access was removed or expired). Connect Instagram again.';
export const PAGE_SCOPE_MISSING_REASON =
  'The instagram_manage_messages permission was removed in Facebook. Connect Instagram again and allow it.';
export const PAGE_DATA_ACCESS_EXPIRED_REASON =
  "Facebook's data access for this connection expired. Connect Instagram again.";

/** Instagram Login tokens (60 days) are refreshed when fewer than this many remain. */
export const INSTAGRAM_REFRESH_AHEAD_MS = 20 * 86_400_000;

export const INSTAGRAM_TOKEN_EXPIRED_REASON =
  'The Instagram login that connected this account expired and could not be renewed. Connect it again (Instagram professional account); messages received meanwhile are delivered after that.';

export type HealthResult = Record<string, number>;

/**
 * Token health. LiveChat: agent tokens close to expiry are refreshed now (through the
 * single-flight credentials service), so relays rarely wait on a refresh; a refused refresh marks
 * the installation as needing reinstall. Meta: each active account's Page token is checked with
 * debug_token; an invalid one, or one without the messaging permission, marks the account
 * `needs_reconnect` with the reason, which the settings page shows.
 */
@Injectable()
export class TokenHealthService {
  private readonly logger = new Logger(TokenHealthService.name);

  constructor(
    private readonly credentials: LiveChatCredentialsService,
    private readonly graph: MetaGraphClient,
    private readonly accounts: InstagramAccountRepository,
    private readonly lifecycle: LifecycleRepository,
  ) {}

  async check(kind: TokenHealthJob['check']): Promise<HealthResult> {
    if (kind === 'instagram-refresh') {
      return this.refreshInstagramTokens();
    }
    return kind === 'livechat-refresh' ? this.refreshLiveChat() : this.checkPageTokens();
  }

  /**
   * Instagram Login tokens expire after 60 days and can be renewed only while still valid (and
   * at least 24 h old): each one within INSTAGRAM_REFRESH_AHEAD_MS of its expiry is refreshed.
   * One already expired, or refused as invalid, marks the account `needs_reconnect` ("needs you"
   * on the settings page). Outages and rate limits leave it for the next run, weeks ahead of expiry.
   */
  async refreshInstagramTokens(): Promise<HealthResult> {
    const result: HealthResult = { refreshed: 0, 'needs-reconnect': 0, failed: 0 };
    const due = await this.accounts.listTokensExpiringBefore(
      new Date(Date.now() + INSTAGRAM_REFRESH_AHEAD_MS),
      BATCH,
    );
    for (const account of due) {
      const token = this.accounts.pageTokenOf(account);
      const expired = (account.tokenExpiresAt?.getTime() ?? 0) <= Date.now();
      let refused = expired || !token;
      if (!refused && token) {
        try {
          const fresh = await this.graph.refreshInstagramToken(token);
          const expiresAt = fresh.expiresIn ? new Date(Date.now() + fresh.expiresIn * 1000) : null;
          if (await this.accounts.replaceToken(account, fresh.accessToken, expiresAt)) {
            result.refreshed += 1;
            this.logger.log({
              msg: 'instagram login token refreshed',
              installationId: account.installationId,
              accountId: account.id,
            });
          }
          continue;
        } catch (error) {
          refused = isMetaGraphError(error) && error.kind === 'auth';
          if (!refused) {
            result.failed += 1;
            this.logger.warn({
              msg: 'instagram login token refresh failed; retried next run',
              accountId: account.id,
              kind: kindOf(error),
              reason: messageOf(error),
            });
            if (isMetaGraphError(error) && error.kind === 'rate-limited') {
              return result;
            }
            continue;
          }
        }
      }
      if (
        account.status === 'active' &&
        (await this.lifecycle.markNeedsReconnect(
          account.installationId,
          account.id,
          INSTAGRAM_TOKEN_EXPIRED_REASON,
        ))
      ) {
        result['needs-reconnect'] += 1;
        this.logger.warn({
          msg: 'instagram account needs reconnecting: its token expired',
          installationId: account.installationId,
          accountId: account.id,
        });
      }
    }
    return result;
  }

  async refreshLiveChat(): Promise<HealthResult> {
    const expiring = await this.lifecycle.listActiveExpiringBefore(
      new Date(Date.now() + REFRESH_AHEAD_MS),
      BATCH,
    );
    const result: HealthResult = { refreshed: 0, failed: 0 };
    for (const installation of expiring) {
      try {
        await this.credentials.agentToken(installation.id, { forceRefresh: true });
        result.refreshed += 1;
      } catch (error) {
        // An `auth` refusal already marked the installation needs_reauth; others retry next run.
        result.failed += 1;
        this.logger.warn({
          msg: 'livechat token refresh ahead of expiry failed',
          installationId: installation.id,
          kind: kindOf(error),
          reason: messageOf(error),
        });
      }
    }
    return result;
  }

  async checkPageTokens(): Promise<HealthResult> {
    const result: HealthResult = { valid: 0, 'needs-reconnect': 0, unchecked: 0 };
    let afterId: string | null = null;
    for (;;) {
      const page = await this.lifecycle.listActiveAccountsWithToken(afterId, BATCH);
      for (const account of page) {
        afterId = account.id;
        if (account.loginPath === 'instagram') {
          continue; // not a Facebook token: debug_token does not apply; refreshInstagramTokens does
        }
        const token = await this.accounts.getPageToken(account.installationId, account.id);
        if (!token) {
          continue;
        }
        let reason: string | null = null;
        try {
          const info = await this.graph.debugToken(token);
          if (!info.isValid) {
            reason = PAGE_TOKEN_INVALID_REASON;
          } else if (info.scopes.length > 0 && !info.scopes.includes(MESSAGING_SCOPE)) {
            reason = PAGE_SCOPE_MISSING_REASON;
          } else if (info.dataAccessExpiresAt && info.dataAccessExpiresAt.getTime() < Date.now()) {
            reason = PAGE_DATA_ACCESS_EXPIRED_REASON;
          }
        } catch (error) {
          result.unchecked += 1;
          if (isMetaGraphError(error) && error.kind === 'rate-limited') {
            // Respect the limit: the rest waits for the next run.
            this.logger.warn({
              msg: 'page token check stopped: rate limited',
              checked: result.valid,
            });
            return result;
          }
          this.logger.warn({
            msg: 'page token check failed',
            accountId: account.id,
            kind: kindOf(error),
            reason: messageOf(error),
          });
          continue;
        }
        if (!reason) {
          result.valid += 1;
          continue;
        }
        if (await this.lifecycle.markNeedsReconnect(account.installationId, account.id, reason)) {
          result['needs-reconnect'] += 1;
          this.logger.warn({
            msg: 'instagram account needs reconnecting',
            installationId: account.installationId,
            accountId: account.id,
            reason,
          });
        }
      }
      if (page.length < BATCH) {
        return result;
      }
    }
  }
}
