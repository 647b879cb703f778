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
