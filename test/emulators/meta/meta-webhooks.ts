import { createHmac } from 'node:crypto';

/** A `messaging[]` item as Meta sends it. */
export type MessagingItem = Record<string, unknown> & {
  sender: { id: string };
  recipient: { id: string };
  timestamp: number;
};

export interface WebhookEntryInput {
  /** The business's IG account id (`entry.id`). */
  igAccountId: string;
  items: MessagingItem[];
  /** Put the items under `standby` (app is not the thread owner) instead of `messaging`. */
  standby?: boolean;
  /** `entry.time` (ms); default now. */
  time?: number;
}

export interface WebhookPayload {
  object: string;
  entry: Array<Record<string, unknown>>;
}

export function buildWebhookPayload(entries: WebhookEntryInput[], now: number): WebhookPayload {
  return {
    object: 'instagram',
    entry: entries.map((e) => ({
      time: e.time ?? now,
      id: e.igAccountId,
      [e.standby ? 'standby' : 'messaging']: e.items,
    })),
  };
}

/**
 * Serialises like Meta: non-ASCII as `\uXXXX` (emoji as surrogate pairs) and `/` as `\/`.
 * The signature is over these exact bytes, so a receiver that re-serialises parsed JSON fails.
 */
export function serializeLikeMeta(
  payload: unknown,
  options: { escapeSlashes?: boolean } = {},
): string {
  let json = JSON.stringify(payload).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (options.escapeSlashes !== false) {
    json = json.replace(/\//g, '\\/');
  }
  return json;
}

export function hubSignature256(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function hubSignatureSha1(body: Buffer, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

// ------------------------------------------------------------------ item builders

export interface ItemBase {
  igAccountId: string;
  igsid: string;
  /** Event time (ms); default now. */
  timestamp?: number;
}

export interface CustomerMessage {
  text?: string;
  /** Media/share attachments; a missing `url` is filled with an emulator-hosted file. */
  attachments?: Array<{ type: string; url?: string; payload?: Record<string, unknown> }>;
  quickReplyPayload?: string;
  /** Inline reply to an earlier message. */
  replyToMid?: string;
  /** Reply to the business's story. */
  replyToStory?: { id?: string; url?: string };
  referral?: Record<string, unknown>;
  isUnsupported?: boolean;
}

export function customerMessageItem(
  input: ItemBase & { mid: string; message: CustomerMessage },
  now: number,
): MessagingItem {
  const m = input.message;
  const message: Record<string, unknown> = { mid: input.mid };
  if (m.text !== undefined) {
    message.text = m.text;
  }
  if (m.attachments?.length) {
    message.attachments = m.attachments.map((a) => ({
      type: a.type,
      payload: a.payload ?? (a.url !== undefined ? { url: a.url } : {}),
    }));
  }
  if (m.quickReplyPayload !== undefined) {
    message.quick_reply = { payload: m.quickReplyPayload };
  }
  if (m.replyToMid) {
    message.reply_to = { mid: m.replyToMid };
  }
  if (m.replyToStory) {
    message.reply_to = { story: m.replyToStory };
  }
  if (m.referral) {
    message.referral = m.referral;
  }
  if (m.isUnsupported) {
    message.is_unsupported = true;
  }
  return {
    sender: { id: input.igsid },
    recipient: { id: input.igAccountId },
    timestamp: input.timestamp ?? now,
    message,
  };
}

export function echoItem(
  input: ItemBase & {
    mid: string;
    text?: string;
    attachments?: Array<{ type: string; url?: string }>;
    /** Our app id for Send API echoes; omit for a reply typed in the Instagram app. */
    appId?: string;
  },
  now: number,
): MessagingItem {
  const message: Record<string, unknown> = { mid: input.mid };
  if (input.text !== undefined) {
    message.text = input.text;
  }
  if (input.attachments?.length) {
    message.attachments = input.attachments.map((a) => ({ type: a.type, payload: { url: a.url } }));
  }
  message.is_echo = true;
  if (input.appId !== undefined) {
    message.app_id = /^\d{1,15}$/.test(input.appId) ? Number(input.appId) : input.appId;
  }
  return {
    sender: { id: input.igAccountId },
    recipient: { id: input.igsid },
    timestamp: input.timestamp ?? now,
    message,
  };
}

function customerEvent(input: ItemBase, key: string, value: unknown, now: number): MessagingItem {
  return {
    sender: { id: input.igsid },
    recipient: { id: input.igAccountId },
    timestamp: input.timestamp ?? now,
    [key]: value,
  };
}

export function reactionItem(
  input: ItemBase & {
    mid: string;
    action?: 'react' | 'unreact';
    reaction?: string;
    emoji?: string;
  },
  now: number,
): MessagingItem {
  const action = input.action ?? 'react';
  const reaction: Record<string, unknown> = { mid: input.mid, action };
  if (action === 'react') {
    reaction.reaction = input.reaction ?? 'love';
    reaction.emoji = input.emoji ?? '\u2764\ufe0f';
  }
  return customerEvent(input, 'reaction', reaction, now);
}

export function deletedItem(input: ItemBase & { mid: string }, now: number): MessagingItem {
  return customerEvent(input, 'message', { mid: input.mid, is_deleted: true }, now);
}

export function postbackItem(
  input: ItemBase & { mid: string; title: string; payload: string },
  now: number,
): MessagingItem {
  return customerEvent(
    input,
    'postback',
    { mid: input.mid, title: input.title, payload: input.payload },
    now,
  );
}

export function readItem(input: ItemBase & { mid: string }, now: number): MessagingItem {
  return customerEvent(input, 'read', { mid: input.mid }, now);
}

export function referralItem(
  input: ItemBase & { ref: string; source?: string; type?: string },
  now: number,
): MessagingItem {
  return customerEvent(
    input,
    'referral',
    { ref: input.ref, source: input.source ?? 'SHORTLINK', type: input.type ?? 'OPEN_THREAD' },
    now,
  );
}
