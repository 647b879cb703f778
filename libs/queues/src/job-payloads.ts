import { QueueName } from './queue-names';

/** JSON as it crosses Redis: no Dates, no class instances. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Common to every job: where it came from, for logs and end-to-end latency. */
export interface JobMeta {
  /** Carried from the webhook through the job to the upstream call (logs, metrics). */
  correlationId: string;
  /** Epoch ms when the gateway accepted the webhook. */
  acceptedAt: number;
}

/**
 * One `entry[].messaging[]` (or `standby[]`) item. `item` is the raw item as Meta sent it; the
 * worker parses it with @app/meta-graph. It may hold message text: the job is removed once done.
 */
export interface InstagramInboundJob extends JobMeta {
  /** Item failures so far (deferrals waiting for their turn are not failures). */
  failures?: number;
  /** `own-echo`: the echo of one of our own sends, outside the conversation's order. */
  lane?: 'own-echo';
  /** The business's Instagram account id (entry.id / recipient.id; sender.id on echoes). */
  instagramAccountId: string;
  /**
   * Stable identity of the item across redeliveries: `m:<mid>` for messages, a composite for
   * reactions, postbacks and reads. The exactly-once key in message_links.
   */
  itemKey: string;
  /** The customer's Instagram-scoped id: the conversation key. */
  igsid: string;
  /** Meta's event time (ms) and the item's position in the POST: the order key. */
  timestamp: number;
  position: number;
  item: JsonObject;
}

export interface CustomerProfileJob extends JobMeta {
  installationId: string;
  conversationId: string;
}

/** One LiveChat chat webhook (the v3.6 envelope without its secret_key). */
export interface LiveChatInboundJob extends JobMeta {
  organizationId: string;
  action: string;
  chatId: string;
  /** The webhook body as LiveChat sent it, minus `secret_key`; parsed again by the worker. */
  body: JsonObject;
  /** Real failures so far (deferrals waiting for their turn are not failures). */
  failures?: number;
}

export interface InstagramMessageDeleteJob extends JobMeta {
  instagramAccountId: string;
  igsid: string;
  instagramMessageId: string;
}

export interface TokenRevocationJob extends JobMeta {
  installationId: string;
  /** One account (disconnect) or the whole installation (uninstall, deauthorize). */
  instagramAccountIds?: string[];
  reason: 'uninstalled' | 'disconnected' | 'deauthorized';
}

export interface DataPurgeJob extends JobMeta {
  installationId: string;
  instagramAccountIds?: string[];
  reason: 'uninstalled' | 'disconnected' | 'deauthorized' | 'data-deletion';
}

export interface MetaDataDeletionJob extends JobMeta {
  deletionRequestId: string;
}

export interface RetentionSweepJob {
  sweep: 'message-links' | 'failed-jobs' | 'deletion-requests' | 'conversations';
}

export interface TokenHealthJob {
  check: 'livechat-refresh' | 'page-tokens' | 'instagram-refresh';
}

export interface JobPayloads {
  [QueueName.INSTAGRAM_INBOUND]: InstagramInboundJob;
  [QueueName.CUSTOMER_PROFILE]: CustomerProfileJob;
  [QueueName.LIVECHAT_INBOUND]: LiveChatInboundJob;
  [QueueName.INSTAGRAM_MESSAGE_DELETE]: InstagramMessageDeleteJob;
  [QueueName.TOKEN_REVOCATION]: TokenRevocationJob;
  [QueueName.DATA_PURGE]: DataPurgeJob;
  [QueueName.META_DATA_DELETION]: MetaDataDeletionJob;
  [QueueName.RETENTION_SWEEP]: RetentionSweepJob;
  [QueueName.TOKEN_HEALTH]: TokenHealthJob;
}

export type JobOf<Q extends QueueName> = JobPayloads[Q];
