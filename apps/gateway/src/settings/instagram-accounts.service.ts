import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { cleanupJobIds, enqueueFresh, schedulePurge } from '@app/app-wiring';
import { ConnectionSignals } from '@app/credentials';
import {
  InstagramAccountEntity,
  InstagramAccountRepository,
  LifecycleRepository,
} from '@app/persistence';
import { JobProducer, QueueName } from '@app/queues';
import { randomUUID } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';
import { AdminFlowMetrics } from '../pages/admin-flow.metrics';
import { AccountHealthView, AccountView } from './settings.dto';

export const DISCONNECTED_REASON =
  'Disconnected in the app settings; its data is deleted after the retention delay.';

export function accountView(row: InstagramAccountEntity): AccountView {
  return {
    id: row.id,
    instagramAccountId: row.instagramAccountId,
    username: row.username,
    name: row.name,
    avatarUrl: row.avatarUrl,
    pageId: row.pageId,
    pageName: row.pageName,
    loginPath: row.loginPath,
    tokenExpiresAt: row.tokenExpiresAt ? row.tokenExpiresAt.toISOString() : null,
    status: row.status,
    statusReason: row.statusReason,
    livechatGroupId: row.livechatGroupId,
    livechatGroupProblem: row.livechatGroupProblem,
    lastRelayedAt: row.lastRelayedAt ? row.lastRelayedAt.toISOString() : null,
    connectedAt: row.createdAt.toISOString(),
    health: healthView(row),
  };
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The account's health as the admin sees it: a Page that needs reconnecting always needs them. */
export function healthView(row: InstagramAccountEntity): AccountHealthView {
  const state = row.status === 'needs_reconnect' ? 'needs_you' : (row.healthState ?? 'unchecked');
  return {
    state,
    checkedAt: iso(row.healthCheckedAt),
    problem:
      state === 'needs_you'
        ? row.status === 'needs_reconnect'
          ? (row.statusReason ?? row.healthProblem)
          : row.healthProblem
        : null,
    lastProblem: row.healthProblem,
    lastProblemAt: iso(row.healthProblemAt),
    repair: row.healthRepair,
    repairedAt: iso(row.healthRepairedAt),
  };
}

/** The installation's Instagram accounts as the settings page sees them, and disconnecting one. */
@Injectable()
export class InstagramAccountsService {
  private readonly logger = new Logger(InstagramAccountsService.name);

  constructor(
    private readonly accounts: InstagramAccountRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly jobs: JobProducer,
    private readonly env: GatewayEnv,
    private readonly flows: AdminFlowMetrics,
    private readonly signals: ConnectionSignals,
  ) {}

  async list(installationId: string): Promise<AccountView[]> {
    const rows = await this.accounts.listForInstallation(installationId);
    return rows.map(accountView);
  }

  /**
   * Stops relaying at once (status `disconnected`: the relay drops its messages), then hands the
   * rest to the cleanup worker: revoke the Page subscription and permissions now, purge the
   * account's data after PURGE_DELAY_SECONDS. Idempotent: a repeat (double click, retry after a
   * Redis hiccup) keeps the first purge date, and the job ids derived from it dedupe the jobs.
   */
  async disconnect(installationId: string, id: string): Promise<AccountView> {
    const row = await this.accounts.findForInstallation(installationId, id);
    if (!row) {
      throw new NotFoundException('No such Instagram account in your LiveChat organization.');
    }
    const purgeAt = new Date(Date.now() + this.env.PURGE_DELAY_SECONDS * 1000);
    const [changed] = await this.lifecycle.markAccountsDisconnected(
      [id],
      DISCONNECTED_REASON,
      purgeAt,
    );
    // Before the answer: no worker relays for it from now on, whatever its caches hold.
    await this.signals.changed();
    const current = changed ?? (await this.accounts.findForInstallation(installationId, id)) ?? row;
    const due = current.purgeAt ?? purgeAt;
    const correlationId = randomUUID();
    await enqueueFresh(
      this.jobs,
      QueueName.TOKEN_REVOCATION,
      {
        correlationId,
        acceptedAt: Date.now(),
        installationId,
        instagramAccountIds: [id],
        reason: 'disconnected',
      },
      { jobId: cleanupJobIds.revocation(installationId, [id], due) },
    );
    await schedulePurge(this.jobs, {
      installationId,
      instagramAccountIds: [id],
      reason: 'disconnected',
      purgeAt: due,
      correlationId,
    });
    this.flows.count('disconnect', changed ? 'disconnected' : 'already_disconnected');
    this.logger.log({ msg: 'instagram account disconnected', installationId, accountId: id });
    return accountView(current);
  }
}
