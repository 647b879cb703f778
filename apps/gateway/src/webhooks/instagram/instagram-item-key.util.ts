import { createHash } from 'node:crypto';
import { InstagramMessagingItem } from '@app/meta-graph';
import { itemKeys } from '@app/queues';

/**
 * The identity of an item across Meta's redeliveries. Messages have a mid; reactions, reads and
 * referrals do not have one of their own, so their key combines what makes them unique.
 */
export function instagramItemKey(item: InstagramMessagingItem): string {
  switch (item.kind) {
    case 'reaction':
      return itemKeys.reaction(item.targetMid, item.action, item.senderId, item.timestamp);
    case 'read':
      return itemKeys.read(item.mid, item.senderId, item.timestamp);
    case 'referral':
      return itemKeys.referral(item.senderId, item.timestamp);
    case 'postback':
      return itemKeys.postback(item.mid, item.senderId, item.timestamp);
    case 'deleted':
      return itemKeys.deleted(item.mid);
    case 'unknown':
      return item.mid
        ? itemKeys.message(item.mid)
        : itemKeys.unknown(
            createHash('sha256').update(JSON.stringify(item.raw)).digest('base64url').slice(0, 22),
          );
    case 'text':
    case 'attachments':
    case 'story_reply':
    case 'story_mention':
    case 'share':
    case 'quick_reply':
    case 'unsupported':
    case 'reply':
    case 'echo':
      return itemKeys.message(item.mid);
  }
}
