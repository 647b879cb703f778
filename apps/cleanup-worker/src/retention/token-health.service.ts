import { Injectable, Logger } from '@nestjs/common';
import { ConnectionSignals, LiveChatCredentialsService } from '@app/credentials';
import { isMetaGraphError, MetaGraphClient } from '@app/meta-graph';
import { InstagramAccountRepository, LifecycleRepository } from '@app/persistence';
import { kindOf } from '@app/platform';
import { messageOf } from '../common/error-message.util';

/** Agent tokens expiring within this are refreshed ahead (the relay's own margin is 10 min). */
const REFRESH_AHEAD_MS = 30 * 60_000;
const BATCH = 200;

/** Instagram Login tokens (60 days) are refreshed when fewer than this many remain. */
export const INSTAGRAM_REFRESH_AHEAD_MS = 20 * 86_400_000;

export const INSTAGRAM_TOKEN_EXPIRED_REASON =
  'The Instagram login that connected this account expired and could not be renewed. Connect it again (Instagram professional account); messages received meanwhile are delivered after that.';

export type HealthResult = Record<string, number>;

/**
 * LiveChat token health: agent tokens close to expiry are refreshed now (through the
 * single-flight credentials service), so relays rarely wait on a refresh; a refused refresh marks
 * the installation as needing reinstall. Instagram Login tokens are renewed ahead of their 60
 * days. Page tokens are checked per account by the connection
 * watchdog (watchdog/account-watchdog.service.ts), with the Page's subscription and the license's
 * LiveChat webhooks.
 */
@Injectable()
export class TokenHealthService {
  private readonly logger = new Logger(TokenHealthService.name);

  constructor(
    private readonly credentials: LiveChatCredentialsService,
    private readonly graph: MetaGraphClient,
    private readonly accounts: InstagramAccountRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly signals: ConnectionSignals,
  ) {}

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
        // Relays cache the account's state: its replies are held for the reconnect from the next
        // message on, not tried with the dead token.
        await this.signals.changed();
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
}
