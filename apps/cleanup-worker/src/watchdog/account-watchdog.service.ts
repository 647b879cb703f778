import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CREDENTIALS_OPTIONS,
  CREDENTIALS_REDIS,
  ConnectionSignals,
  CredentialsOptions,
  INSTAGRAM_SUBSCRIBED_FIELDS,
  InstagramAccessProblem,
  instagramAccessProblemOf,
  LiveChatCredentialsService,
  PAGE_SUBSCRIBED_FIELDS,
  REQUIRED_FACEBOOK_SCOPES,
} from '@app/credentials';
import { ConfigurationClient, isLiveChatApiError } from '@app/livechat-sdk';
import { MetaGraphClient } from '@app/meta-graph';
import {
  AccountHealthRepository,
  AccountHealthState,
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
  LifecycleRepository,
} from '@app/persistence';
import { kindOf } from '@app/platform';
import type { Redis } from 'ioredis';
import { redisKeys } from '@app/queues';
import { CleanupMetrics } from '../common/cleanup-metrics';
import { isAuthFailure } from '../common/platform-errors.util';
import { messageOf } from '../common/error-message.util';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';
import { INSTAGRAM_TOKEN_EXPIRED_REASON } from '../retention/token-health.service';

/** Permissions without which messages stop flowing (listing Pages and names only matter at connect). */
export const MESSAGING_SCOPES: readonly string[] = [
  'instagram_basic',
  'instagram_manage_messages',
  'pages_manage_metadata',
  'pages_messaging',
];
const WEBHOOK_STATE_SCOPES = ['webhooks.state:ro', 'webhooks.state:rw'];
/** A repair is shown as "repaired automatically" this long after it happened. */
export const REPAIR_SHOWN_MS = 24 * 3_600_000;

export const PAGE_TOKEN_INVALID_REASON =
  'Facebook no longer accepts this connection (its access was removed or expired). Connect Instagram again.';
export const PAGE_DATA_ACCESS_EXPIRED_REASON =
  "Facebook's data access for this connection expired. Connect Instagram again.";
export const NO_PAGE_TOKEN_REASON =
  'This connection has no Facebook access stored any more. Connect Instagram again.';
export const LIVECHAT_REAUTH_REASON =
  'LiveChat no longer accepts the app’s authorization: an administrator must authorize the app again (reinstall it).';
export const INSTAGRAM_TOKEN_INVALID_REASON =
  'Instagram no longer accepts this connection (the app was removed in Instagram’s settings, or the login was revoked). Connect it again (Instagram professional account).';
export const NO_INSTAGRAM_TOKEN_REASON =
  'This connection has no Instagram access stored any more. Connect it again (Instagram professional account).';
export const INSTAGRAM_SUBSCRIPTION_REPAIRED =
  'Instagram had stopped sending this account’s messages to the app (its subscription was removed); subscribed again.';
export const SUBSCRIPTION_REPAIRED =
  'Facebook had stopped sending this account’s Instagram messages to the app (the Page’s subscription was removed); subscribed again.';
export const WEBHOOKS_REPAIRED =
  'LiveChat had stopped sending agents’ replies to the app (its chat webhooks were off for your license); turned back on.';
export const WEBHOOKS_OFF_REASON =
  'LiveChat’s chat webhooks for this app are off on your license, so agents’ replies do not reach Instagram, and the app may not turn them on. Reinstall the app.';

export function scopeMissingReason(scope: string): string {
  const purpose = REQUIRED_FACEBOOK_SCOPES[scope];
  return `The ${scope} permission was removed in Facebook${purpose ? ` (it is needed to ${purpose})` : ''}. Connect Instagram again and allow it.`;
}

export function fieldsRepaired(
  fields: readonly string[],
  platform: 'Facebook' | 'Instagram' = 'Facebook',
): string {
  return `${platform} had stopped sending some Instagram notifications for this account (${fields.join(', ')}); turned back on.`;
}

export type WatchdogCheck = 'subscription' | 'token' | 'livechat-webhooks';
export type WatchdogResult = 'ok' | 'repaired' | 'needs-you' | 'waiting' | 'error' | 'skipped';

interface Finding {
  check: WatchdogCheck;
  result: WatchdogResult;
  /** For `needs-you`: what the admin must do. For `error`: why the check could not finish. */
  problem?: string;
  /** For `repaired`: what was repaired. */
  repair?: string;
}

export interface AccountCheckOutcome {
  state: AccountHealthState;
  findings: Finding[];
}

/** Where an account's Meta checks go: its login path decides the host, token, app and fields. */
interface MetaPath {
  graph: MetaGraphClient;
  /** App ids our subscription may be listed under. */
  appIds: readonly string[];
  fields: readonly string[];
  platform: 'Facebook' | 'Instagram';
  subscriptionRepaired: string;
}

/**
 * One watchdog check of one connected account:
 * - token: Facebook Page path: the Page token still works (debug_token) and still carries the
 *   permissions messaging needs. Instagram Login path: the stored expiry has not passed and the
 *   account's Instagram User token still works on graph.instagram.com (`/me`). If not, the
 *   account is marked `needs_reconnect` (only the admin can fix that);
 * - subscription: the Page (or, on the Instagram Login path, the Instagram account itself) is
 *   still subscribed to our app with the fields we need (Meta drops the subscription after an
 *   hour of failed deliveries, and anyone with the token can change it); re-subscribed when not;
 * - livechat-webhooks: LiveChat's chat webhooks are on for the installation's license (they carry
 *   agents' replies); turned back on when not.
 * The outcome is stored on the account and counted; a check that could not finish (an outage)
 * changes nothing stored: the next period checks again.
 */
@Injectable()
export class AccountWatchdogService {
  private readonly logger = new Logger(AccountWatchdogService.name);

  constructor(
    private readonly lifecycle: LifecycleRepository,
    private readonly accounts: InstagramAccountRepository,
    private readonly installations: InstallationRepository,
    private readonly health: AccountHealthRepository,
    private readonly graph: MetaGraphClient,
    private readonly configuration: ConfigurationClient,
    private readonly credentials: LiveChatCredentialsService,
    private readonly metrics: CleanupMetrics,
    private readonly env: CleanupWorkerEnv,
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
    private readonly signals: ConnectionSignals,
  ) {}

  /**
   * License webhooks found off are turned on only when a later check, this long after, still finds
   * them off (see checkLiveChatWebhooks).
   */
  get webhooksOffGraceMs(): number {
    return Math.min(60_000, (this.env.WATCHDOG_INTERVAL_SECONDS * 1000) / 2);
  }

  async check(accountId: string): Promise<AccountCheckOutcome | undefined> {
    const account = await this.lifecycle.findAccountById(accountId);
    if (!account || account.status === 'disconnected') {
      return undefined;
    }
    const installation = await this.installations.findById(account.installationId);
    if (!installation || installation.status === 'uninstalled') {
      return undefined;
    }
    const findings = [
      ...(await this.checkMeta(account)),
      await this.checkLiveChatWebhooks(installation),
    ];
    if (findings.some((f) => f.result === 'waiting')) {
      // Look again once the grace has passed, not a whole period later.
      await this.health.checkAgainAt(account.id, new Date(Date.now() + this.webhooksOffGraceMs));
    }
    for (const finding of findings) {
      this.metrics.watchdogChecks.inc({ check: finding.check, result: finding.result });
    }
    const now = new Date();
    const needsYou = findings.find((f) => f.result === 'needs-you');
    const repairs = findings.filter((f) => f.result === 'repaired');
    const failed = findings.filter((f) => f.result === 'error');
    if (failed.length > 0 && !needsYou && repairs.length === 0) {
      this.logger.warn({
        msg: 'watchdog check could not finish; trying again next period',
        accountId,
        checks: failed.map((f) => f.check),
        reasons: failed.map((f) => f.problem),
      });
      return { state: account.healthState ?? 'working', findings };
    }
    const recentRepair =
      account.healthRepairedAt !== null &&
      now.getTime() - account.healthRepairedAt.getTime() < REPAIR_SHOWN_MS;
    const state: AccountHealthState = needsYou
      ? 'needs_you'
      : repairs.length > 0 || (recentRepair && account.healthState !== null)
        ? 'repaired'
        : 'working';
    await this.health.record(account.id, {
      state,
      checkedAt: now,
      ...(needsYou?.problem ? { problem: needsYou.problem } : {}),
      ...(repairs.length > 0 ? { repair: repairs.map((r) => r.repair).join(' ') } : {}),
    });
    if (needsYou || repairs.length > 0) {
      this.logger.warn({
        msg: needsYou ? 'connection needs the admin' : 'connection repaired automatically',
        installationId: account.installationId,
        accountId,
        findings: findings
          .filter((f) => f.result !== 'ok')
          .map((f) => ({ check: f.check, result: f.result })),
      });
    }
    return { state, findings };
  }

  /** Token first: an account without a working token can neither be checked nor repaired. */
  private async checkMeta(account: InstagramAccountEntity): Promise<Finding[]> {
    const instagramLogin = account.loginPath === 'instagram';
    if (account.status === 'needs_reconnect') {
      return [
        {
          check: 'token',
          result: 'needs-you',
          problem:
            account.statusReason ??
            (instagramLogin ? INSTAGRAM_TOKEN_INVALID_REASON : PAGE_TOKEN_INVALID_REASON),
        },
        { check: 'subscription', result: 'skipped' },
      ];
    }
    const token = this.accounts.pageTokenOf(account);
    if (!token) {
      return [
        await this.needsReconnect(
          account,
          'token',
          instagramLogin ? NO_INSTAGRAM_TOKEN_REASON : NO_PAGE_TOKEN_REASON,
        ),
        { check: 'subscription', result: 'skipped' },
      ];
    }
    const tokenFinding = instagramLogin
      ? await this.checkInstagramToken(account, token)
      : await this.checkToken(account, token);
    if (tokenFinding.result !== 'ok') {
      return [tokenFinding, { check: 'subscription', result: 'skipped' }];
    }
    return [tokenFinding, await this.checkSubscription(account, token)];
  }

  private metaPath(account: InstagramAccountEntity): MetaPath {
    if (account.loginPath === 'instagram') {
      return {
        graph: this.graph.forLogin('instagram'),
        // Which id graph.instagram.com lists the subscription under (the Instagram app's, or the
        // Meta app it belongs to) is unconfirmed: either counts as ours.
        appIds: [this.env.META_INSTAGRAM_APP_ID, this.env.META_APP_ID].filter(
          (id): id is string => !!id,
        ),
        fields: INSTAGRAM_SUBSCRIBED_FIELDS,
        platform: 'Instagram',
        subscriptionRepaired: INSTAGRAM_SUBSCRIPTION_REPAIRED,
      };
    }
    return {
      graph: this.graph,
      appIds: [this.env.META_APP_ID],
      fields: PAGE_SUBSCRIBED_FIELDS,
      platform: 'Facebook',
      subscriptionRepaired: SUBSCRIPTION_REPAIRED,
    };
  }

  private async checkToken(account: InstagramAccountEntity, token: string): Promise<Finding> {
    let reason: string | undefined;
    try {
      const info = await this.graph.debugToken(token);
      const missing =
        info.scopes.length > 0 ? MESSAGING_SCOPES.find((s) => !info.scopes.includes(s)) : undefined;
      if (!info.isValid) {
        reason = PAGE_TOKEN_INVALID_REASON;
      } else if (missing) {
        reason = scopeMissingReason(missing);
      } else if (info.dataAccessExpiresAt && info.dataAccessExpiresAt.getTime() < Date.now()) {
        reason = PAGE_DATA_ACCESS_EXPIRED_REASON;
      }
    } catch (error) {
      return { check: 'token', result: 'error', problem: `${kindOf(error)}: ${messageOf(error)}` };
    }
    return reason
      ? this.needsReconnect(account, 'token', reason)
      : { check: 'token', result: 'ok' };
  }

  /**
   * Instagram User tokens cannot be inspected with debug_token (graph.facebook.com refuses them):
   * the stored expiry says whether the 60 days ran out (the instagram-refresh job renews them well
   * before), and one cheap `/me` on graph.instagram.com whether Instagram still accepts it.
   */
  private async checkInstagramToken(
    account: InstagramAccountEntity,
    token: string,
  ): Promise<Finding> {
    if (account.tokenExpiresAt && account.tokenExpiresAt.getTime() <= Date.now()) {
      return this.needsReconnect(account, 'token', INSTAGRAM_TOKEN_EXPIRED_REASON);
    }
    try {
      await this.graph.instagramMe(token);
      return { check: 'token', result: 'ok' };
    } catch (error) {
      const problem = instagramAccessProblemOf(error);
      if (problem || kindOf(error) === 'auth') {
        return this.needsReconnect(account, 'token', this.accessReason(account, problem));
      }
      return { check: 'token', result: 'error', problem: `${kindOf(error)}: ${messageOf(error)}` };
    }
  }

  private async checkSubscription(
    account: InstagramAccountEntity,
    token: string,
  ): Promise<Finding> {
    const path = this.metaPath(account);
    try {
      const apps = await path.graph.getSubscribedApps(token, account.pageId);
      const ours = apps.find((app) => path.appIds.includes(app.id));
      const missing = path.fields.filter((f) => !ours?.subscribedFields.includes(f));
      if (missing.length === 0) {
        return { check: 'subscription', result: 'ok' };
      }
      // Fields someone added stay: a POST replaces our app's whole field list.
      const fields = [...new Set([...(ours?.subscribedFields ?? []), ...path.fields])];
      if (!(await path.graph.subscribeApp(token, account.pageId, fields))) {
        return { check: 'subscription', result: 'error', problem: 'subscribe not confirmed' };
      }
      return {
        check: 'subscription',
        result: 'repaired',
        repair: ours ? fieldsRepaired(missing, path.platform) : path.subscriptionRepaired,
      };
    } catch (error) {
      const problem = instagramAccessProblemOf(error);
      if (problem) {
        return this.needsReconnect(account, 'subscription', this.accessReason(account, problem));
      }
      return {
        check: 'subscription',
        result: 'error',
        problem: `${kindOf(error)}: ${messageOf(error)}`,
      };
    }
  }

  /** The shared problem texts name Facebook; an Instagram Login account has no Facebook login. */
  private accessReason(
    account: InstagramAccountEntity,
    problem: InstagramAccessProblem | undefined,
  ): string {
    if (account.loginPath !== 'instagram') {
      return problem?.reason ?? PAGE_TOKEN_INVALID_REASON;
    }
    if (problem?.kind === 'messaging-not-allowed') {
      return problem.reason;
    }
    if (problem?.kind === 'permission-missing') {
      return `Instagram refused: the permission ${problem.permission ?? 'needed for this'} was not granted. Connect it again and allow every permission asked for.`;
    }
    return INSTAGRAM_TOKEN_INVALID_REASON;
  }

  private async checkLiveChatWebhooks(installation: InstallationEntity): Promise<Finding> {
    if (installation.status === 'needs_reauth') {
      return { check: 'livechat-webhooks', result: 'needs-you', problem: LIVECHAT_REAUTH_REASON };
    }
    const scopes = installation.scopes.split(/[\s,]+/);
    if (!WEBHOOK_STATE_SCOPES.some((s) => scopes.includes(s))) {
      // The admin did not grant the app the right to read the state: nothing to check.
      return { check: 'livechat-webhooks', result: 'skipped' };
    }
    try {
      const token = await this.credentials.agentToken(installation.id);
      const state = await this.configuration.getLicenseWebhooksState(token);
      const offKey = redisKeys.webhooksOff(this.options.redisPrefix, installation.id);
      if (state.licenseWebhooksEnabled) {
        await this.redis.del(offKey);
        return { check: 'livechat-webhooks', result: 'ok' };
      }
      if (!scopes.includes('webhooks.state:rw')) {
        return { check: 'livechat-webhooks', result: 'needs-you', problem: WEBHOOKS_OFF_REASON };
      }
      // LiveChat may turn them off itself when the app is uninstalled, moments before the
      // uninstall webhook arrives, and the uninstall check takes "off" as LiveChat's word: turn
      // them on only when a later check still finds them off and the installation still active.
      const now = Date.now();
      const ttlSeconds = Math.ceil(
        (3 * this.env.WATCHDOG_INTERVAL_SECONDS * 1000 + 120_000) / 1000,
      );
      const first = await this.redis.set(offKey, String(now), 'EX', ttlSeconds, 'NX');
      const seenAt = first === 'OK' ? now : Number(await this.redis.get(offKey));
      const fresh = await this.installations.findById(installation.id);
      if (now - seenAt < this.webhooksOffGraceMs || fresh?.status !== 'active') {
        return { check: 'livechat-webhooks', result: 'waiting' };
      }
      await this.configuration.enableLicenseWebhooks(token);
      await this.redis.del(offKey);
      return { check: 'livechat-webhooks', result: 'repaired', repair: WEBHOOKS_REPAIRED };
    } catch (error) {
      if (isAuthFailure(error)) {
        const fresh = await this.installations.findById(installation.id);
        if (fresh?.status === 'needs_reauth') {
          return {
            check: 'livechat-webhooks',
            result: 'needs-you',
            problem: LIVECHAT_REAUTH_REASON,
          };
        }
      }
      if (isLiveChatApiError(error) && error.kind === 'permanent') {
        return { check: 'livechat-webhooks', result: 'skipped' };
      }
      return {
        check: 'livechat-webhooks',
        result: 'error',
        problem: `${kindOf(error)}: ${messageOf(error)}`,
      };
    }
  }

  private async needsReconnect(
    account: InstagramAccountEntity,
    check: WatchdogCheck,
    reason: string,
  ): Promise<Finding> {
    if (await this.lifecycle.markNeedsReconnect(account.installationId, account.id, reason)) {
      // Relays cache the account's state: from their next message on, its replies are held
      // for the reconnect instead of being tried with a dead token.
      await this.signals.changed();
    }
    return { check, result: 'needs-you', problem: reason };
  }
}
