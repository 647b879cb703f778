/**
 * Item keys: the identity of an Instagram item across Meta's redeliveries, as stored in
 * message_links and deletion requests. Persisted, so a builder's output never changes.
 */
export const itemKeys = {
  /** A message (text, attachments, replies, echoes, shares…): its mid. */
  message: (mid: string): string => `m:${mid}`,
  reaction: (targetMid: string, action: string, senderId: string, timestamp: number): string =>
    `r:${targetMid}:${action}:${senderId}:${timestamp}`,
  read: (mid: string | undefined, senderId: string, timestamp: number): string =>
    `s:${mid ?? ''}:${senderId}:${timestamp}`,
  referral: (senderId: string, timestamp: number): string => `ref:${senderId}:${timestamp}`,
  postback: (mid: string | undefined, senderId: string, timestamp: number): string =>
    mid ? `p:${mid}` : `p:${senderId}:${timestamp}`,
  deleted: (mid: string): string => `d:${mid}`,
  /** An item of an unknown kind without a mid: a digest of its raw JSON. */
  unknown: (rawDigest: string): string => `x:${rawDigest}`,
};

/**
 * The custom_id our relayed Instagram items carry in LiveChat (`ig:<item key>`, then `#<n>` for
 * an item's further events): how a retry finds what it already sent, and how the outbound relay
 * tells our own events from an agent's reply. Persisted in LiveChat, so the format never changes.
 */
export const relayedCustomIds = {
  of: (itemKey: string, index = 0): string =>
    index === 0 ? `ig:${itemKey}` : `ig:${itemKey}#${index}`,
  /** Whether `customId` is one of this item's events. */
  isOf: (customId: string | undefined, itemKey: string): boolean =>
    customId === `ig:${itemKey}` || !!customId?.startsWith(`ig:${itemKey}#`),
  /** Whether `customId` marks any relayed Instagram item (never an agent's reply). */
  isRelayed: (customId: string | undefined): boolean => !!customId?.startsWith('ig:'),
};
