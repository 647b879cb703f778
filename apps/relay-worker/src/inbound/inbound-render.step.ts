import { Injectable } from '@nestjs/common';
import { ConnectedAccount } from '@app/credentials';
import { CustomerChatClient, CustomerEventInput } from '@app/livechat-sdk';
import { InstagramMessagingItem } from '@app/meta-graph';
import { MessageLinkRepository } from '@app/persistence';
import { inboundCustomIds, itemKeys } from '@app/queues';
import { CustomerSession, CustomerSessions } from './customer-session.service';
import { excerpt, InboundDraft, referencedMid, renderInboundItem } from './inbound-render.util';
import { InstagramMediaService } from './instagram-media.service';

/**
 * Step 3: the LiveChat events an item becomes, each carrying its custom_id (the item's key):
 * text as it reads in LiveChat, a quote of the message a reaction or reply points at, media
 * downloaded from Instagram and uploaded to LiveChat (or a line saying why not). None when the
 * item has nothing to show.
 */
@Injectable()
export class InboundRenderStep {
  constructor(
    private readonly links: MessageLinkRepository,
    private readonly chats: CustomerChatClient,
    private readonly media: InstagramMediaService,
    private readonly sessions: CustomerSessions,
  ) {}

  async render(
    connected: ConnectedAccount,
    session: CustomerSession,
    item: InstagramMessagingItem,
    itemKey: string,
  ): Promise<CustomerEventInput[]> {
    const quote = await this.quoteFor(connected, session, item);
    const drafts = renderInboundItem(item, { quote });
    const events: CustomerEventInput[] = [];
    for (const [index, draft] of drafts.entries()) {
      events.push(await this.materialize(session, draft, inboundCustomIds.event(itemKey, index)));
    }
    return events;
  }

  private async materialize(
    session: CustomerSession,
    draft: InboundDraft,
    customId: string,
  ): Promise<CustomerEventInput> {
    if (draft.type === 'text') {
      return { type: 'message', text: draft.text, customId };
    }
    const { media } = draft;
    const say = (text: string): CustomerEventInput => ({ type: 'message', text, customId });
    if (!media.url) {
      return say(`📎 Sent a ${media.type} without a link Instagram shares.`);
    }
    const fetched = await this.media.fetch(media.url, media.type);
    if (fetched.status === 'gone') {
      return say(`📎 Sent a ${media.type} that could no longer be downloaded from Instagram.`);
    }
    if (fetched.status === 'refused') {
      return say(
        `📎 Sent a ${media.type} that was not downloaded: its link does not lead to Instagram's media servers.`,
      );
    }
    if (fetched.status === 'too-large') {
      const size = fetched.bytes ? ` (${(fetched.bytes / 1024 / 1024).toFixed(1)} MB)` : '';
      return say(
        `📎 Sent a ${media.type} too large to attach here${size}: ${media.url}\n(Instagram links expire: open Instagram for the original.)`,
      );
    }
    const uploaded = await this.sessions.call(session, (token, organizationId) =>
      this.chats.uploadFile(token, organizationId, {
        fileName: fetched.fileName,
        contentType: fetched.contentType,
        data: fetched.data,
      }),
    );
    return { type: 'file', url: uploaded.url, customId };
  }

  /** An excerpt of the message a reaction or an inline reply points at, read from LiveChat. */
  private async quoteFor(
    connected: ConnectedAccount,
    session: CustomerSession,
    item: InstagramMessagingItem,
  ): Promise<string | undefined> {
    const mid = referencedMid(item);
    if (!mid) {
      return undefined;
    }
    try {
      const link = await this.links.findByInstagramId(
        connected.installation.id,
        connected.account.id,
        itemKeys.message(mid),
      );
      if (!link?.livechatChatId || !link.livechatEventId) {
        return undefined;
      }
      const chat = await this.chats.getChat(session.token, session.organizationId, {
        chatId: link.livechatChatId,
        ...(link.livechatThreadId ? { threadId: link.livechatThreadId } : {}),
      });
      const event = chat.thread?.events.find((e) => e.id === link.livechatEventId);
      if (event?.text) {
        return excerpt(event.text);
      }
      return event?.type === 'file' ? 'an attachment' : undefined;
    } catch {
      // A quote is a nicety: the reaction is still relayed without it.
      return undefined;
    }
  }
}
