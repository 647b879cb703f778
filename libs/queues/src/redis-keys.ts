/**
 * Every key the apps keep in Redis besides Bull's queues (`<prefix>:<queue>:…`), by family: the
 * one place their names are spelled. Values are persisted, so a builder's output never changes.
 * The purge's janitor removes keys of these families that name a purged id.
 */
export const REDIS_KEY_FAMILIES = [
  /** Per-conversation order of queued items (`ConversationOrder`). */
  'order',
  /** The lease of the one run working on a conversation. */
  'lease',
  /** When an order head whose job is gone was first seen. */
  'ghost',
  /** LiveChat chats our relay writes into (`OwnChats`). */
  'lcchat',
  /** Connection signals: generation, held items, episodes (`ConnectionSignals`). */
  'conn',
  /** Short-lived locks and markers (agent token refresh and refusal). */
  'lock',
  /** Cached LiveChat customer tokens. */
  'ctok',
  /** Rate limits: the gateway edge's and Instagram's send rate per account. */
  'rate',
  /** Evidence of our own sends, matched against Instagram echoes. */
  'echoes',
  /** A send to an Instagram user in flight. */
  'sending',
  /** Watchdog markers (webhooks seen off). */
  'watchdog',
  /** Connect flow handles and nonces. */
  'connect',
  /** Replayed Meta signed requests (deauthorize, data deletion). */
  'signed-request',
] as const;

export type RedisKeyFamily = (typeof REDIS_KEY_FAMILIES)[number];

function key(prefix: string, family: RedisKeyFamily, ...parts: string[]): string {
  return [prefix, family, ...parts].join(':');
}

/** Key builders, each under `<prefix>` (REDIS_KEY_PREFIX) and one family above. */
export const redisKeys = {
  order: (prefix: string, conversation: string): string => key(prefix, 'order', conversation),
  lease: (prefix: string, conversation: string): string => key(prefix, 'lease', conversation),
  ghost: (prefix: string, jobId: string): string => key(prefix, 'ghost', jobId),
  ownChat: (prefix: string, organizationId: string, chatId: string): string =>
    key(prefix, 'lcchat', organizationId, chatId),
  connectionSignal: (prefix: string, name: string): string => key(prefix, 'conn', name),
  agentRefused: (prefix: string, installationId: string): string =>
    key(prefix, 'lock', 'agent-refused', installationId),
  agentRefresh: (prefix: string, installationId: string): string =>
    key(prefix, 'lock', 'agent-refresh', installationId),
  customerToken: (prefix: string, installationId: string, customerId: string): string =>
    key(prefix, 'ctok', installationId, customerId),
  /** A SCAN pattern: every cached customer token of an installation. */
  customerTokensOf: (prefix: string, installationId: string): string =>
    key(prefix, 'ctok', installationId, '*'),
  /** The gateway edge limiter's key namespace (the limiter appends its own key). */
  edgeRate: (prefix: string): string => `${key(prefix, 'rate')}:`,
  sendRate: (prefix: string, instagramAccountId: string): string =>
    key(prefix, 'rate', instagramAccountId),
  echoes: (prefix: string, instagramAccountId: string, igsid: string): string =>
    key(prefix, 'echoes', instagramAccountId, igsid),
  sending: (prefix: string, instagramAccountId: string, igsid: string): string =>
    key(prefix, 'sending', instagramAccountId, igsid),
  webhooksOff: (prefix: string, installationId: string): string =>
    key(prefix, 'watchdog', 'webhooks-off', installationId),
  connectHandle: (prefix: string, handle: string): string =>
    key(prefix, 'connect', 'handle', handle),
  connectNonce: (prefix: string, nonce: string): string => key(prefix, 'connect', 'nonce', nonce),
  signedRequest: (prefix: string, purpose: string, digest: string): string =>
    key(prefix, 'signed-request', purpose, digest),
};

/** The family of a key under `prefix`, or undefined for a key outside them (Bull's, another's). */
export function redisKeyFamilyOf(prefix: string, fullKey: string): RedisKeyFamily | undefined {
  if (!fullKey.startsWith(`${prefix}:`)) {
    return undefined;
  }
  const first = fullKey.slice(prefix.length + 1).split(':')[0];
  return (REDIS_KEY_FAMILIES as readonly string[]).includes(first)
    ? (first as RedisKeyFamily)
    : undefined;
}
