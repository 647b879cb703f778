import {
  ConversationKey,
  InstagramItemBase,
  InstagramItemSource,
  InstagramMediaAttachment,
  InstagramMediaType,
  InstagramMessageContent,
  InstagramMessagingItem,
  InstagramOtherAttachment,
  InstagramReferral,
  InstagramSharedContent,
  InstagramShareType,
  InstagramWebhookEntry,
  InstagramWebhookParseResult,
} from './instagram-webhook.types';
import { JsonObject } from './json.types';

type Dict = Record<string, unknown>;

const MEDIA_TYPES = new Set<string>(['image', 'video', 'audio', 'file']);
const SHARE_TYPES = new Set<string>(['share', 'ig_post', 'ig_reel', 'reel']);
/** `changes[].field` values whose `value` is a messaging item (dashboard "Test" button shape). */
const MESSAGING_CHANGE_FIELDS = new Set([
  'messages',
  'message_echoes',
  'message_edit',
  'message_reactions',
  'messaging_seen',
  'messaging_postbacks',
  'messaging_referral',
  'messaging_referrals',
  'messaging_optins',
  'messaging_handover',
  'standby',
]);
/** Event keys we know exist but do not model; reported as `unknown` with this reason. */
const UNMODELLED_EVENT_KEYS = [
  'message_edit',
  'optin',
  'pass_thread_control',
  'take_thread_control',
  'request_thread_control',
  'app_roles',
  'policy_enforcement',
  'response_feedback',
  'delivery',
];

/**
 * Validates the envelope and classifies every `entry[].messaging[]`, `entry[].standby[]` and
 * (dashboard test shape) `entry[].changes[].value` item, in the order Meta sent them.
 * Malformed envelopes fail; odd items never do (they become `unknown`).
 */
export function parseInstagramWebhook(body: unknown): InstagramWebhookParseResult {
  if (!isDict(body)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  if (typeof body.object !== 'string' || body.object === '') {
    return { ok: false, reason: 'object is missing' };
  }
  if (!Array.isArray(body.entry)) {
    return { ok: false, reason: 'entry is not an array' };
  }

  const entries: InstagramWebhookEntry[] = [];
  for (const [index, rawEntry] of body.entry.entries()) {
    if (!isDict(rawEntry)) {
      return { ok: false, reason: `entry[${index}] is not an object` };
    }
    const id = idOf(rawEntry.id);
    if (id === undefined) {
      return { ok: false, reason: `entry[${index}].id is missing` };
    }
    for (const key of ['messaging', 'standby', 'changes']) {
      if (rawEntry[key] !== undefined && !Array.isArray(rawEntry[key])) {
        return { ok: false, reason: `entry[${index}].${key} is not an array` };
      }
    }
    const items: InstagramMessagingItem[] = [];
    for (const raw of asArray(rawEntry.messaging)) {
      items.push(parseInstagramMessagingItem(raw, 'messaging'));
    }
    for (const raw of asArray(rawEntry.standby)) {
      items.push(parseInstagramMessagingItem(raw, 'standby'));
    }
    for (const change of asArray(rawEntry.changes)) {
      if (!isDict(change) || typeof change.field !== 'string') {
        continue;
      }
      // Other fields (comments, mentions) are not messaging; they are not ours to relay.
      if (!MESSAGING_CHANGE_FIELDS.has(change.field) || !isDict(change.value)) {
        continue;
      }
      items.push(parseInstagramMessagingItem(change.value, 'changes'));
    }
    entries.push({ id, time: toMs(rawEntry.time) ?? 0, items });
  }
  return { ok: true, object: body.object, entries };
}

/**
 * Classifies one messaging item (e.g. the raw item a queue job carried). Never throws: anything
 * unreadable is `unknown` with a reason.
 */
export function parseInstagramMessagingItem(
  rawItem: unknown,
  source: InstagramItemSource = 'messaging',
): InstagramMessagingItem {
  const raw = (isDict(rawItem) ? rawItem : {}) as JsonObject;
  const message = isDict(raw.message) ? raw.message : undefined;
  const base: InstagramItemBase = {
    senderId: idOf(dictOf(raw.sender).id) ?? '',
    recipientId: idOf(dictOf(raw.recipient).id) ?? '',
    timestamp: toMs(raw.timestamp) ?? 0,
    isEcho: message?.is_echo === true,
    source,
    raw,
  };
  if (!isDict(rawItem)) {
    return { ...base, kind: 'unknown', reason: 'item is not an object' };
  }
  if (!base.senderId || !base.recipientId) {
    return { ...base, kind: 'unknown', reason: 'sender or recipient missing' };
  }

  if (message) {
    return parseMessage(base, message);
  }

  if (isDict(raw.reaction)) {
    const reaction = raw.reaction;
    const targetMid = str(reaction.mid);
    if (!targetMid) {
      return { ...base, kind: 'unknown', reason: 'reaction without mid' };
    }
    return {
      ...base,
      kind: 'reaction',
      mid: targetMid,
      targetMid,
      action: reaction.action === 'unreact' ? 'unreact' : 'react',
      reaction: str(reaction.reaction),
      emoji: str(reaction.emoji),
    };
  }
  if (isDict(raw.read)) {
    return { ...base, kind: 'read', mid: str(raw.read.mid) };
  }
  if (isDict(raw.postback)) {
    return {
      ...base,
      kind: 'postback',
      mid: str(raw.postback.mid),
      title: str(raw.postback.title),
      payload: str(raw.postback.payload),
    };
  }
  if (isDict(raw.referral)) {
    return { ...base, kind: 'referral', referral: referralOf(raw.referral) };
  }
  const known = UNMODELLED_EVENT_KEYS.find((key) => raw[key] !== undefined);
  const mid = known ? str(dictOf(raw[known]).mid) : undefined;
  return { ...base, mid, kind: 'unknown', reason: known ?? 'unrecognised event' };
}

function parseMessage(base: InstagramItemBase, message: Dict): InstagramMessagingItem {
  const mid = str(message.mid);
  if (!mid) {
    return { ...base, kind: 'unknown', reason: 'message without mid' };
  }
  // A delete carries only the id and the flag (text/attachments with it: UNCONFIRMED, ignored).
  if (message.is_deleted === true) {
    return { ...base, mid, kind: 'deleted' };
  }

  const replyTo = dictOf(message.reply_to);
  const replyToMid = str(replyTo.mid);
  const content = contentOf(message);
  if (base.isEcho) {
    return {
      ...base,
      isEcho: true,
      mid,
      kind: 'echo',
      appId: idOf(message.app_id),
      replyToMid,
      content,
    };
  }
  const referral = isDict(message.referral) ? referralOf(message.referral) : undefined;
  const extras = referral ? { mid, referral } : { mid };
  if (replyToMid) {
    return { ...base, ...extras, kind: 'reply', replyToMid, content };
  }
  if (content.kind === 'unknown') {
    return { ...base, ...extras, kind: 'unknown', reason: 'message without content' };
  }
  return { ...base, ...extras, ...content };
}

/** What a message object holds, by precedence: flags, story reply, quick reply, attachments, text. */
function contentOf(message: Dict): InstagramMessageContent {
  const text = typeof message.text === 'string' && message.text !== '' ? message.text : undefined;
  const rawAttachments = asArray(message.attachments).filter(isDict);

  if (message.is_unsupported === true) {
    const attachments = rawAttachments.map(otherOf);
    return { kind: 'unsupported', reason: 'flagged', attachments, ...opt('text', text) };
  }

  const media: InstagramMediaAttachment[] = [];
  const shares: InstagramSharedContent[] = [];
  const mentions: InstagramOtherAttachment[] = [];
  const others: InstagramOtherAttachment[] = [];
  for (const attachment of rawAttachments) {
    const type = str(attachment.type) ?? '';
    const payload = dictOf(attachment.payload);
    if (MEDIA_TYPES.has(type)) {
      media.push({ type: type as InstagramMediaType, ...opt('url', str(payload.url)) });
    } else if (SHARE_TYPES.has(type)) {
      shares.push({
        type: type as InstagramShareType,
        ...opt('url', str(payload.url)),
        ...opt('title', str(payload.title)),
        ...opt('mediaId', idOf(payload.ig_post_media_id ?? payload.reel_video_id ?? payload.id)),
      });
    } else if (type === 'story_mention') {
      mentions.push(otherOf(attachment));
    } else {
      others.push(otherOf(attachment));
    }
  }

  const story = dictOf(dictOf(message.reply_to).story);
  if (Object.keys(story).length > 0) {
    const ref = { ...opt('id', idOf(story.id)), ...opt('url', str(story.url)) };
    return { kind: 'story_reply', story: ref, attachments: media, ...opt('text', text) };
  }
  const quickReply = dictOf(message.quick_reply);
  if (quickReply.payload !== undefined) {
    return { kind: 'quick_reply', text: text ?? '', payload: str(quickReply.payload) ?? '' };
  }
  if (mentions.length > 0) {
    return { kind: 'story_mention', ...opt('url', mentions[0].url), ...opt('text', text) };
  }
  if (shares.length > 0) {
    return { kind: 'share', shares, ...opt('text', text) };
  }
  if (media.length > 0) {
    return {
      kind: 'attachments',
      attachments: media,
      otherAttachments: others,
      ...opt('text', text),
    };
  }
  if (others.length > 0) {
    const reason = others.every((o) => o.type === 'ephemeral') ? 'ephemeral' : 'unknown-attachment';
    return { kind: 'unsupported', reason, attachments: others, ...opt('text', text) };
  }
  if (text !== undefined) {
    return { kind: 'text', text };
  }
  return { kind: 'unknown' };
}

/** `conversationKeyOf`: inbound items come from the customer; echoes come from the business. */
export function conversationKeyOf(item: InstagramMessagingItem): ConversationKey {
  return item.isEcho
    ? { businessAccountId: item.senderId, customerId: item.recipientId }
    : { businessAccountId: item.recipientId, customerId: item.senderId };
}

function referralOf(raw: Dict): InstagramReferral {
  const ads = dictOf(raw.ads_context_data);
  return {
    ...opt('ref', str(raw.ref)),
    ...opt('source', str(raw.source)),
    ...opt('type', str(raw.type)),
    ...opt('adId', idOf(raw.ad_id)),
    ...opt('productId', idOf(dictOf(raw.product).id)),
    ...opt('adTitle', str(ads.ad_title)),
    ...opt('photoUrl', str(ads.photo_url)),
    ...opt('videoUrl', str(ads.video_url)),
  };
}

function otherOf(attachment: Dict): InstagramOtherAttachment {
  return {
    type: str(attachment.type) ?? 'unknown',
    ...opt('url', str(dictOf(attachment.payload).url)),
  };
}

/** Optional fields are left out rather than set to undefined, so parsed items compare cleanly. */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Epoch ms. Messaging timestamps are ms; the dashboard test shape sends seconds as strings, so
 * values below 1e11 (year 1973 in ms, year 5138 in s) are taken as seconds.
 */
function toMs(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    return undefined;
  }
  return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') {
    return value;
  }
  // Ids are strings in IG payloads; some samples use numbers. Beyond 2^53 they are already lost.
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dictOf(value: unknown): Dict {
  return isDict(value) ? value : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
