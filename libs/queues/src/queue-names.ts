/**
 * Queue names are stored in Redis with every job: a persisted contract. Never rename a value in
 * place; add the new queue, drain the old one, then remove it. One queue per job kind, each
 * consumed by exactly one app.
 */
export enum QueueName {
  /** gateway → relay-worker: one Instagram messaging item (a DM, reaction, postback, echo…). */
  INSTAGRAM_INBOUND = 'instagram-inbound',
  /** relay-worker → relay-worker: fill a LiveChat customer's profile from Instagram (best effort). */
  CUSTOMER_PROFILE = 'customer-profile',
  /** gateway → relay-worker: one LiveChat chat webhook (agent reply, chat state). */
  LIVECHAT_INBOUND = 'livechat-inbound',
  /** gateway → cleanup-worker: an Instagram message unsent by its author. */
  INSTAGRAM_MESSAGE_DELETE = 'instagram-message-delete',
  /** gateway/relay → cleanup-worker: revoke tokens and subscriptions of an installation or account. */
  TOKEN_REVOCATION = 'token-revocation',
  /** cleanup-worker (delayed): remove every row and key of an installation or account. */
  DATA_PURGE = 'data-purge',
  /** gateway → cleanup-worker: Meta data-deletion request. */
  META_DATA_DELETION = 'meta-data-deletion',
  /** cleanup-worker (repeatable): retention sweeps. */
  RETENTION_SWEEP = 'retention-sweep',
  /** cleanup-worker (repeatable): refresh LiveChat tokens, check Page tokens. */
  TOKEN_HEALTH = 'token-health',
  /** cleanup-worker (at boot and daily): re-encrypt tokens still under a previous key. */
  TOKEN_REENCRYPTION = 'token-reencryption',
}

/**
 * Which app consumes which queue. test/foundation/queue-contract.e2e-spec.ts boots both workers
 * and fails unless every queue has exactly one consumer, in this app (`queueContractProblems`).
 */
export const QUEUE_CONSUMER: Record<QueueName, 'relay-worker' | 'cleanup-worker'> = {
  [QueueName.INSTAGRAM_INBOUND]: 'relay-worker',
  [QueueName.CUSTOMER_PROFILE]: 'relay-worker',
  [QueueName.LIVECHAT_INBOUND]: 'relay-worker',
  [QueueName.INSTAGRAM_MESSAGE_DELETE]: 'cleanup-worker',
  [QueueName.TOKEN_REVOCATION]: 'cleanup-worker',
  [QueueName.DATA_PURGE]: 'cleanup-worker',
  [QueueName.META_DATA_DELETION]: 'cleanup-worker',
  [QueueName.RETENTION_SWEEP]: 'cleanup-worker',
  [QueueName.TOKEN_HEALTH]: 'cleanup-worker',
  [QueueName.TOKEN_REENCRYPTION]: 'cleanup-worker',
};

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);
