import { createHash } from 'node:crypto';

/** Short, Redis-safe digest of an external id (Instagram mids are long base64 strings). */
function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

function digestOf(ids: readonly string[]): string {
  return createHash('sha256')
    .update([...ids].sort().join(','))
    .digest('base64url')
    .slice(0, 16);
}

function scopeOf(installationId: string, accountIds?: readonly string[]): string {
  return accountIds && accountIds.length > 0
    ? `${installationId}.${digestOf(accountIds)}`
    : installationId;
}

/**
 * Deterministic job ids: a redelivered webhook maps to the id of the job already waiting, and
 * Bull ignores the second add. Best effort only (a completed job is removed, so its id is free
 * again): the unique indexes in Postgres are the real guarantee.
 */
export const jobIds = {
  instagramItem: (instagramAccountId: string, key: string): string =>
    `ig.${instagramAccountId}.${digest(key)}`,
  livechatEvent: (organizationId: string, action: string, key: string): string =>
    `lc.${organizationId}.${action}.${digest(key)}`,
  instagramDelete: (instagramAccountId: string, mid: string): string =>
    `igdel.${instagramAccountId}.${digest(mid)}`,
  /** One profile sync waiting per conversation. */
  customerProfile: (conversationId: string): string => `profile.${conversationId}`,
};

/**
 * Deterministic ids of the lifecycle jobs, shared by the gateway and the cleanup worker. A purge
 * id carries its due time: an uninstall, reinstall and second uninstall get two purge jobs, and
 * the first one (seeing a later purge date) leaves the data to the second.
 */
export const cleanupJobIds = {
  revocation: (
    installationId: string,
    accountIds: readonly string[] | undefined,
    at: Date,
  ): string => `revoke.${scopeOf(installationId, accountIds)}.${at.getTime()}`,
  purge: (
    installationId: string,
    accountIds: readonly string[] | undefined,
    purgeAt: Date,
  ): string => `purge.${scopeOf(installationId, accountIds)}.${purgeAt.getTime()}`,
  metaDataDeletion: (deletionRequestId: string): string => `metadel.${deletionRequestId}`,
  /** A message delete re-run by the relay (its message landed) or by the sweep. */
  messageDeleteRetry: (instagramAccountId: string, mid: string, tag: string): string =>
    `${jobIds.instagramDelete(instagramAccountId, mid)}.${tag}`,
  /** One watchdog check per account and slot: two workers or a retried tick never check twice. */
  watchdogCheck: (accountId: string, dueAt: Date): string =>
    `watchdog.${accountId}.${dueAt.getTime()}`,
  reencryptionDaily: 'reencrypt.daily',
  reencryptionBoot: 'reencrypt.boot',
};

/** Repeatable jobs: fixed ids, so every cleanup worker registers the same ones and Bull keeps one. */
export const scheduledJobIds = {
  sweepMessageLinks: 'sweep.message-links',
  sweepFailedJobs: 'sweep.failed-jobs',
  sweepDeletionRequests: 'sweep.deletion-requests',
  sweepConversations: 'sweep.conversations',
  livechatRefresh: 'health.livechat-refresh',
  watchdogTick: 'health.watchdog',
  instagramRefresh: 'health.instagram-refresh',
} as const;
