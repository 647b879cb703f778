import { createHash } from 'node:crypto';

/** Short, Redis-safe digest of an external id (Instagram mids are long base64 strings). */
function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
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
};
