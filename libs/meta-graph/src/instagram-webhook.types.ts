import { JsonObject } from './json.types';

/** Where in the entry the item was found. */
export type InstagramItemSource = 'messaging' | 'standby' | 'changes';

/** Kept by every item, whatever its kind. */
export interface InstagramItemBase {
  senderId: string;
  recipientId: string;
  /** When the event happened, epoch ms (second-precision values are converted). */
  timestamp: number;
  /** The message id when the event has one (for reads and reactions: the target message). */
  mid?: string;
  /** `message.is_echo`: the business sent it, so the sender is the business account. */
  isEcho: boolean;
  source: InstagramItemSource;
  /** The item exactly as Meta sent it. */
  raw: JsonObject;
}

export type InstagramMediaType = 'image' | 'video' | 'audio' | 'file';

export interface InstagramMediaAttachment {
  type: InstagramMediaType;
  /** CDN URL; expires, so download it soon after the webhook. */
  url?: string;
}

/** Post and reel shares. `share` is the legacy type (gone for posts after Feb 2026). */
export type InstagramShareType = 'share' | 'ig_post' | 'ig_reel' | 'reel';

export interface InstagramSharedContent {
  type: InstagramShareType;
  url?: string;
  title?: string;
  /** `ig_post_media_id` / `reel_video_id` when Meta sends one. */
  mediaId?: string;
}

/** Any attachment the parser does not model (template, fallback, ephemeral, new types). */
export interface InstagramOtherAttachment {
  type: string;
  url?: string;
}

export interface InstagramReferral {
  ref?: string;
  source?: string;
  type?: string;
  adId?: string;
  productId?: string;
  adTitle?: string;
  photoUrl?: string;
  videoUrl?: string;
}

// ---- What a `message` object holds (also the inner content of echoes and inline replies) ----

export interface InstagramTextContent {
  kind: 'text';
  text: string;
}

export interface InstagramAttachmentsContent {
  kind: 'attachments';
  /** Caption, if Meta ever sends one alongside media. */
  text?: string;
  /** One or more (several images arrive in one message). */
  attachments: InstagramMediaAttachment[];
  /** Unmodelled attachments that came with the media (usually empty). */
  otherAttachments: InstagramOtherAttachment[];
}

export interface InstagramStoryReplyContent {
  kind: 'story_reply';
  text?: string;
  /** The story replied to; its URL stops working when the story expires (~24 h). */
  story: { id?: string; url?: string };
  attachments: InstagramMediaAttachment[];
}

export interface InstagramStoryMentionContent {
  kind: 'story_mention';
  /** Story CDN URL; Meta says not to store story media. */
  url?: string;
  text?: string;
}

export interface InstagramShareContent {
  kind: 'share';
  text?: string;
  shares: InstagramSharedContent[];
}

export interface InstagramQuickReplyContent {
  kind: 'quick_reply';
  text: string;
  payload: string;
}

export interface InstagramUnsupportedContent {
  kind: 'unsupported';
  /**
   * `flagged`: Meta set `is_unsupported`; `ephemeral`: view-once media (no content available);
   * `unknown-attachment`: an attachment type this parser does not know.
   */
  reason: 'flagged' | 'ephemeral' | 'unknown-attachment';
  text?: string;
  attachments: InstagramOtherAttachment[];
}

/** A message object with nothing recognisable in it. */
export interface InstagramUnknownContent {
  kind: 'unknown';
}

export type InstagramMessageContent =
  | InstagramTextContent
  | InstagramAttachmentsContent
  | InstagramStoryReplyContent
  | InstagramStoryMentionContent
  | InstagramShareContent
  | InstagramQuickReplyContent
  | InstagramUnsupportedContent
  | InstagramUnknownContent;

// ---- Items ----

/** Fields of every item that came from a customer's `message`. */
interface InstagramMessageItemBase extends InstagramItemBase {
  mid: string;
  /** Click-to-Direct ad / product context sent with the first message. */
  referral?: InstagramReferral;
}

export interface InstagramTextItem extends InstagramMessageItemBase, InstagramTextContent {}
export interface InstagramAttachmentsItem
  extends InstagramMessageItemBase, InstagramAttachmentsContent {}
export interface InstagramStoryReplyItem
  extends InstagramMessageItemBase, InstagramStoryReplyContent {}
export interface InstagramStoryMentionItem
  extends InstagramMessageItemBase, InstagramStoryMentionContent {}
export interface InstagramShareItem extends InstagramMessageItemBase, InstagramShareContent {}
export interface InstagramQuickReplyItem
  extends InstagramMessageItemBase, InstagramQuickReplyContent {}
export interface InstagramUnsupportedItem
  extends InstagramMessageItemBase, InstagramUnsupportedContent {}

/**
 * A customer message quoting an earlier message (`reply_to.mid`). The quote is a separate
 * dimension from what was sent, so the content (text, media, …) is nested, not flattened.
 */
export interface InstagramReplyItem extends InstagramMessageItemBase {
  kind: 'reply';
  replyToMid: string;
  content: InstagramMessageContent;
}

/**
 * A message the business sent: ours via the Send API (match `mid` with the stored message id) or
 * typed in the Instagram app. `content` is what was sent.
 */
export interface InstagramEchoItem extends InstagramItemBase {
  kind: 'echo';
  isEcho: true;
  mid: string;
  /** The app that sent it, when Meta says (absent for the Instagram app in observed payloads). */
  appId?: string;
  replyToMid?: string;
  content: InstagramMessageContent;
}

/** The sender unsent the message `mid` (`isEcho` true when the business did). */
export interface InstagramDeletedItem extends InstagramItemBase {
  kind: 'deleted';
  mid: string;
}

export interface InstagramReactionItem extends InstagramItemBase {
  kind: 'reaction';
  action: 'react' | 'unreact';
  /** The message reacted to (also in `mid`). */
  targetMid: string;
  /** `love`, `like`, … (omitted on unreact). */
  reaction?: string;
  emoji?: string;
}

export interface InstagramPostbackItem extends InstagramItemBase {
  kind: 'postback';
  title?: string;
  payload?: string;
}

/** messaging_seen: the customer read up to `mid`. */
export interface InstagramReadItem extends InstagramItemBase {
  kind: 'read';
}

/** messaging_referral: an ig.me link with `ref` opened inside an existing thread. */
export interface InstagramReferralItem extends InstagramItemBase {
  kind: 'referral';
  referral: InstagramReferral;
}

/** Anything else (message_edit, optins, handover, malformed items). Never thrown on. */
export interface InstagramUnknownItem extends InstagramItemBase {
  kind: 'unknown';
  /** The event key found (e.g. `message_edit`) or why it could not be read. */
  reason: string;
}

export type InstagramMessagingItem =
  | InstagramTextItem
  | InstagramAttachmentsItem
  | InstagramStoryReplyItem
  | InstagramStoryMentionItem
  | InstagramShareItem
  | InstagramQuickReplyItem
  | InstagramUnsupportedItem
  | InstagramReplyItem
  | InstagramEchoItem
  | InstagramDeletedItem
  | InstagramReactionItem
  | InstagramPostbackItem
  | InstagramReadItem
  | InstagramReferralItem
  | InstagramUnknownItem;

export type InstagramItemKind = InstagramMessagingItem['kind'];

export interface InstagramWebhookEntry {
  /** The business account id (`"0"` in the dashboard's test payload). */
  id: string;
  /** When Meta sent it, epoch ms. */
  time: number;
  items: InstagramMessagingItem[];
}

export type InstagramWebhookParseResult =
  { ok: true; object: string; entries: InstagramWebhookEntry[] } | { ok: false; reason: string };

export interface ConversationKey {
  businessAccountId: string;
  customerId: string;
}
