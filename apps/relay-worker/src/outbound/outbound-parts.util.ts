import { ChatEvent } from '@app/livechat-sdk';
import { splitMessageText } from '@app/meta-graph';

export type AttachmentType = 'image' | 'video' | 'audio' | 'file';

/** One Instagram message an agent's LiveChat event becomes. */
export type OutboundPart =
  | { kind: 'text'; text: string; quickReplies?: Array<{ title: string; payload: string }> }
  | { kind: 'attachment'; type: AttachmentType; url: string };

/** Meta's media limits for Instagram messages. */
const LIMITS: Record<AttachmentType, number> = {
  image: 8 * 1024 * 1024,
  video: 25 * 1024 * 1024,
  audio: 25 * 1024 * 1024,
  file: 25 * 1024 * 1024,
};

/** Instagram accepts at most 13 quick replies, titles of at most 20 characters. */
const MAX_QUICK_REPLIES = 13;
const MAX_QUICK_REPLY_TITLE = 20;

export function attachmentTypeOf(
  contentType: string | undefined,
  name: string | undefined,
): AttachmentType | undefined {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('image/') && /^(image\/(jpeg|png|gif))$/.test(type)) {
    return 'image';
  }
  if (type.startsWith('video/')) {
    return 'video';
  }
  if (type.startsWith('audio/')) {
    return 'audio';
  }
  if (type === 'application/pdf' || (!type && /\.pdf$/i.test(name ?? ''))) {
    return 'file';
  }
  return undefined;
}

function textParts(text: string): OutboundPart[] {
  return splitMessageText(text).map((chunk) => ({ kind: 'text', text: chunk }));
}

interface RichElement {
  title?: string;
  subtitle?: string;
  buttons?: Array<{
    text?: string;
    type?: string;
    postback_id?: string;
    postbackId?: string;
    value?: string;
  }>;
}

/**
 * What Instagram receives for an agent's event: text split at word or sentence boundaries into
 * parts of at most 1000 bytes; a file as an attachment by URL when Instagram takes its type and
 * size, else as a link; rich-message buttons as quick replies where they map.
 */
export function outboundParts(event: ChatEvent): OutboundPart[] {
  switch (event.type) {
    case 'message':
      return event.text ? textParts(event.text) : [];
    case 'file': {
      if (!event.url) {
        return [];
      }
      const type = attachmentTypeOf(event.contentType, event.name);
      if (type && (event.size === undefined || event.size <= LIMITS[type])) {
        return [{ kind: 'attachment', type, url: event.url }];
      }
      return textParts(`📎 ${event.name ?? 'File'}: ${event.url}`);
    }
    case 'rich_message': {
      const elements = (event.elements ?? []) as RichElement[];
      const parts: OutboundPart[] = [];
      for (const element of elements) {
        const text =
          [element.title, element.subtitle].filter(Boolean).join('\n') || 'Choose an option:';
        const buttons = (element.buttons ?? []).filter((b) => b.text);
        const replies = buttons.slice(0, MAX_QUICK_REPLIES).map((b) => ({
          title: b.text!.slice(0, MAX_QUICK_REPLY_TITLE),
          payload: b.postback_id ?? b.postbackId ?? b.value ?? b.text!,
        }));
        const [first, ...rest] = splitMessageText(text);
        if (first === undefined) {
          continue;
        }
        for (const chunk of [first, ...rest].slice(0, -1)) {
          parts.push({ kind: 'text', text: chunk });
        }
        const last = [first, ...rest].pop()!;
        parts.push(
          replies.length > 0
            ? { kind: 'text', text: last, quickReplies: replies }
            : { kind: 'text', text: last },
        );
      }
      return parts;
    }
    default:
      return [];
  }
}
