import type { Sealed } from './payload-cipher';
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
 * One `entry[].messaging[]` (or `standby[]`) item. `sealedItem` is the raw item as Meta sent it,
 * sealed by the gateway (PayloadCipher, bound to the job); the relay worker opens and parses it.
 * Everything else is ids and times: what Bull Board and a failed job may show.
 */
export interface InstagramInboundJob extends JobMeta {
  /** Item failures so far (deferrals waiting for their turn are not failures). */
  failures?: number;
  /**
   * `own-echo`: the echo of one of our own sends, outside the conversation's order. Only queued
   * by gateways of earlier releases (current ones record the echo and queue nothing); workers
   * still run such jobs.
   */
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
  /** The item, encrypted (it holds text, captions, URLs); `null` once the job gave up. */
  sealedItem: Sealed<JsonObject> | null;
  /**
   * @deprecated Plaintext item of jobs queued before payloads were sealed; still read so that
   * jobs in flight across the upgrade are relayed.
   */
  item?: JsonObject;
  /** Set when the job gave up: its content was dropped, ids and reason stay. */
  gaveUp?: GaveUp;
}

/** What a job that gave up keeps of why (never content). */
export interface GaveUp {
  kind: string;
  reason: string;
  at: number;
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
  /** When the event was created (ms; the order key), else when the webhook was accepted. */
  eventAt?: number;
  /**
   * The webhook body as LiveChat sent it, minus `secret_key`, encrypted (PayloadCipher, bound to
   * the job); the worker opens and parses it again. `null` once the job gave up.
   */
  sealedBody: Sealed<JsonObject> | null;
  /** @deprecated Plaintext body of jobs queued before payloads were sealed. */
  body?: JsonObject;
  /** Real failures so far (deferrals waiting for their turn are not failures). */
  failures?: number;
  gaveUp?: GaveUp;
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

/**
 * Token health and the connection watchdog: the repeatable LiveChat refresh-ahead, the repeatable
 * watchdog tick (claims the accounts due for a check), and one account's check.
 */
export type TokenHealthJob =
  | { check: 'livechat-refresh' }
  | { check: 'instagram-refresh' }
  | { check: 'watchdog' }
  | { check: 'account'; accountId: string; installationId: string; correlationId: string };

export interface TokenReencryptionJob {
  trigger: 'boot' | 'daily';
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
  [QueueName.TOKEN_REENCRYPTION]: TokenReencryptionJob;
}

export type JobOf<Q extends QueueName> = JobPayloads[Q];
