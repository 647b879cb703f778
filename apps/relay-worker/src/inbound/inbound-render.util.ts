import {
  InstagramMediaAttachment,
  InstagramMessageContent,
  InstagramMessagingItem,
  InstagramReferral,
} from '@app/meta-graph';

/** What one Instagram item becomes in LiveChat, before media is fetched and uploaded. */
export type InboundDraft =
  { type: 'text'; text: string } | { type: 'media'; media: InstagramMediaAttachment };

export interface RenderContext {
  /** A short excerpt of the message a reaction or inline reply points at, when we could read it. */
  quote?: string;
}

const REACTION_EMOJI: Record<string, string> = {
  love: '❤️',
  like: '👍',
  laugh: '😂',
  wow: '😮',
  sad: '😢',
  angry: '😠',
  smile: '😊',
  dislike: '👎',
};

/** The message a reaction or an inline reply points at (its excerpt goes into the rendering). */
export function referencedMid(item: InstagramMessagingItem): string | undefined {
  switch (item.kind) {
    case 'reaction':
      return item.targetMid;
    case 'reply':
      return item.replyToMid;
    default:
      return undefined;
  }
}

function quoted(ctx: RenderContext, fallback: string): string {
  return ctx.quote ? `“${ctx.quote}”` : fallback;
}

function referralLine(referral: InstagramReferral): string {
  if (referral.adId || referral.source === 'ADS' || referral.adTitle) {
    return `📢 Came from an ad${referral.adTitle ? ` “${referral.adTitle}”` : ''}${referral.ref ? ` (ref: ${referral.ref})` : ''}`;
  }
  if (referral.productId) {
    return `🛍️ Asked about a product (id ${referral.productId})`;
  }
  return `🔗 Opened the conversation from a link${referral.ref ? ` (ref: ${referral.ref})` : ''}${referral.source ? ` [${referral.source}]` : ''}`;
}

function withText(text: string | undefined, drafts: InboundDraft[]): InboundDraft[] {
  return text ? [{ type: 'text', text }, ...drafts] : drafts;
}

function media(attachments: InstagramMediaAttachment[]): InboundDraft[] {
  return attachments.map((m) => ({ type: 'media', media: m }));
}

/** Renders what a `message` carried; shared by customer messages, inline replies and echoes. */
export function renderContent(content: InstagramMessageContent): InboundDraft[] {
  switch (content.kind) {
    case 'text':
      return [{ type: 'text', text: content.text }];
    case 'attachments': {
      const drafts = withText(content.text, media(content.attachments));
      if (content.otherAttachments.length > 0) {
        drafts.push({
          type: 'text',
          text: unsupportedLine(content.otherAttachments.map((a) => a.type)),
        });
      }
      return drafts;
    }
    case 'story_reply': {
      const head = `↩️ Replied to your story${content.story.url ? `: ${content.story.url}` : ''}`;
      return [
        { type: 'text', text: content.text ? `${head}\n${content.text}` : head },
        ...media(content.attachments),
      ];
    }
    case 'story_mention': {
      const head = `📣 Mentioned you in their story${content.url ? `: ${content.url}` : ''}`;
      return [{ type: 'text', text: content.text ? `${head}\n${content.text}` : head }];
    }
    case 'share': {
      const lines = content.shares.map((s) => {
        const what = s.type === 'ig_reel' || s.type === 'reel' ? 'a reel' : 'a post';
        return `🔗 Shared ${what}${s.title ? ` “${s.title}”` : ''}${s.url ? `: ${s.url}` : ''}`;
      });
      return withText(content.text, [
        { type: 'text', text: lines.join('\n') || '🔗 Shared a post' },
      ]);
    }
    case 'quick_reply':
      return [{ type: 'text', text: `🔘 ${content.text}` }];
    case 'unsupported':
      if (content.reason === 'ephemeral') {
        return withText(content.text, [
          {
            type: 'text',
            text: '👁️ Sent a view-once photo or video. Instagram does not share those with apps: open Instagram to see it.',
          },
        ]);
      }
      return withText(content.text, [
        { type: 'text', text: unsupportedLine(content.attachments.map((a) => a.type)) },
      ]);
    case 'unknown':
      return [
        {
          type: 'text',
          text: '⚠️ Sent a message Instagram does not share with apps. Open Instagram to see it.',
        },
      ];
  }
}

function unsupportedLine(types: string[]): string {
  const what = types.length > 0 ? ` (${[...new Set(types)].join(', ')})` : '';
  return `⚠️ Sent something Instagram does not share with apps${what}. Open Instagram to see it.`;
}

/**
 * A faithful, text-first rendering of every item kind. Never throws: an item we do not know
 * becomes a visible placeholder, so no message silently disappears.
 */
export function renderInboundItem(
  item: InstagramMessagingItem,
  ctx: RenderContext = {},
): InboundDraft[] {
  const drafts = renderItem(item, ctx);
  if ('referral' in item && item.referral && item.kind !== 'referral') {
    drafts.unshift({ type: 'text', text: referralLine(item.referral) });
  }
  return drafts;
}

function renderItem(item: InstagramMessagingItem, ctx: RenderContext): InboundDraft[] {
  switch (item.kind) {
    case 'text':
    case 'attachments':
    case 'story_reply':
    case 'story_mention':
    case 'share':
    case 'quick_reply':
    case 'unsupported':
      return renderContent(item);
    case 'reply': {
      const drafts = renderContent(item.content);
      const head = `↩️ Replying to ${quoted(ctx, 'an earlier message')}`;
      const first = drafts[0];
      if (first?.type === 'text') {
        return [{ type: 'text', text: `${head}\n${first.text}` }, ...drafts.slice(1)];
      }
      return [{ type: 'text', text: head }, ...drafts];
    }
    case 'echo': {
      const drafts = renderContent(item.content);
      const head = '📱 Sent by the business from the Instagram app:';
      const first = drafts[0];
      if (first?.type === 'text') {
        return [{ type: 'text', text: `${head}\n${first.text}` }, ...drafts.slice(1)];
      }
      return [{ type: 'text', text: head }, ...drafts];
    }
    case 'reaction': {
      const emoji =
        item.emoji ?? (item.reaction ? REACTION_EMOJI[item.reaction] : undefined) ?? '❤️';
      return item.action === 'react'
        ? [{ type: 'text', text: `${emoji} Reacted to ${quoted(ctx, 'a message')}` }]
        : [{ type: 'text', text: `Removed their reaction from ${quoted(ctx, 'a message')}` }];
    }
    case 'postback':
      return [{ type: 'text', text: `🔘 Tapped “${item.title ?? item.payload ?? 'a button'}”` }];
    case 'referral':
      return [{ type: 'text', text: referralLine(item.referral) }];
    case 'unknown':
      return [
        {
          type: 'text',
          text: `⚠️ Sent a kind of message this integration does not know yet (${item.reason}). Open Instagram to see it.`,
        },
      ];
    case 'read':
    case 'deleted':
      return [];
  }
}

/** Customer activity that opens (or extends) Meta's messaging window. */
export function opensMessagingWindow(item: InstagramMessagingItem): boolean {
  switch (item.kind) {
    case 'text':
    case 'attachments':
    case 'story_reply':
    case 'story_mention':
    case 'share':
    case 'quick_reply':
    case 'unsupported':
    case 'reply':
    case 'postback':
    case 'referral':
    case 'unknown':
      return true;
    case 'echo':
    case 'reaction':
    case 'read':
    case 'deleted':
      return false;
  }
}

/** A short, single-line excerpt for quotes (“…”). */
export function excerpt(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
