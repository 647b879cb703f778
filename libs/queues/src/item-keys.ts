/**
 * Item keys: the identity of an Instagram item across Meta's redeliveries, as stored in
 * message_links and deletion requests. Persisted, so a builder's output never changes.
 */
export const itemKeys = {
  /** A message (text, attachments, replies, echoes, shares…): its mid. */
  message: (mid: string): string => `m:${mid}`,
  /** The mid of a message's key; null for the keys of other kinds. */
  midOfMessage: (itemKey: string): string | null =>
    itemKey.startsWith('m:') ? itemKey.slice(2) : null,
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

const INBOUND_CUSTOM_ID_PREFIX = 'ig:';

/**
 * The custom_id our relay gives every LiveChat event an Instagram item became: how a retry after
 * a crash, a delete and the outbound relay (which skips our own events) find them. Persisted in
 * LiveChat, so a builder's output never changes.
 */
export const inboundCustomIds = {
  /** Part `index` of the item's events: the first carries the bare key. */
  event: (itemKey: string, index: number): string =>
    index === 0
      ? `${INBOUND_CUSTOM_ID_PREFIX}${itemKey}`
      : `${INBOUND_CUSTOM_ID_PREFIX}${itemKey}#${index}`,
  /** True for any part of this item's events. */
  isOf: (customId: string | undefined, itemKey: string): boolean => {
    const first = `${INBOUND_CUSTOM_ID_PREFIX}${itemKey}`;
    return customId === first || (customId?.startsWith(`${first}#`) ?? false);
  },
  /** True for an event the inbound relay sent (any item). */
  isInbound: (customId: string | undefined): boolean =>
    customId?.startsWith(INBOUND_CUSTOM_ID_PREFIX) ?? false,
};
