import { Injectable, Logger } from '@nestjs/common';
import { ConnectedAccount } from '@app/credentials';
import { CustomerChatClient, CustomerEventInput, isLiveChatApiError } from '@app/livechat-sdk';
import { ConversationEntity, InstagramAccountRepository } from '@app/persistence';
import { inboundCustomIds } from '@app/queues';
import { CustomerSession, CustomerSessions } from './customer-session.service';
import { OwnChatRegistry } from './own-chat-registry.service';

/** The group every LiveChat license has and no one can delete ("General"). */
const DEFAULT_GROUP_ID = 0;

/** Where an item's events landed: recorded with its link. */
export interface DeliveredItem {
  chatId: string;
  threadId: string | null;
  eventId: string;
}

/**
 * Step 4: the item's events into the customer's one chat: sent into the active chat, resumed
 * when inactive, started when there is none (continuous, in the account's group). On a retry
 * (`firstAttempt` false), the events an earlier attempt sent are found by custom_id and not
 * sent again.
 */
@Injectable()
export class InboundDeliverStep {
  private readonly logger = new Logger(InboundDeliverStep.name);

  constructor(
    private readonly chats: CustomerChatClient,
    private readonly sessions: CustomerSessions,
    private readonly ownChats: OwnChatRegistry,
    private readonly accounts: InstagramAccountRepository,
  ) {}

  async deliver(
    connected: ConnectedAccount,
    conversation: ConversationEntity,
    session: CustomerSession,
    allEvents: CustomerEventInput[],
    itemKey: string,
    firstAttempt: boolean,
  ): Promise<DeliveredItem> {
    const already = firstAttempt
      ? new Map<string, string>()
      : await this.eventsAlreadySent(session, conversation, itemKey);
    let events = allEvents.filter((e) => !already.has(e.customId ?? ''));
    const lastKnown = (): string => [...already.values()].pop() ?? '';
    if (events.length === 0 && conversation.chatId) {
      // Everything was sent by an earlier attempt that crashed before recording it.
      return { chatId: conversation.chatId, threadId: conversation.threadId, eventId: lastKnown() };
    }
    if (!conversation.chatId) {
      try {
        const started = await this.inAccountGroup(connected, (groupId) =>
          this.sessions.call(session, (token, organizationId) =>
            this.chats.startChat(token, organizationId, {
              groupId,
              events,
              continuous: true,
              // Our mark: webhooks of this chat tell the gateway it is ours.
              properties: this.ownChats.properties,
            }),
          ),
        );
        return {
          chatId: started.chatId,
          threadId: started.threadId,
          eventId: started.eventIds[started.eventIds.length - 1] ?? '',
        };
      } catch (error) {
        // The customer already has a chat we did not record (a crash after start_chat).
        const existing = await this.sessions.call(session, (token, organizationId) =>
          this.chats.listChats(token, organizationId, { limit: 1 }),
        );
        const chatId = existing.chatsSummary[0]?.id;
        if (!chatId) {
          throw error;
        }
        conversation.chatId = chatId;
        // start_chat may have gone through with our events inline before the failure.
        const sent = await this.eventsAlreadySent(session, conversation, itemKey);
        sent.forEach((id, customId) => already.set(customId, id));
        events = events.filter((e) => !already.has(e.customId ?? ''));
        if (events.length === 0) {
          return { chatId, threadId: conversation.threadId, eventId: lastKnown() };
        }
      }
    }
    return this.sendInto(connected, conversation, session, events, lastKnown());
  }

  /** Into the conversation's chat, one event at a time; an inactive chat is resumed with the rest. */
  private async sendInto(
    connected: ConnectedAccount,
    conversation: ConversationEntity,
    session: CustomerSession,
    events: CustomerEventInput[],
    lastKnown: string,
  ): Promise<DeliveredItem> {
    const chatId = conversation.chatId as string;
    let eventId = lastKnown;
    let threadId = conversation.threadId;
    for (const [index, event] of events.entries()) {
      try {
        const sent = await this.sessions.call(session, (token, organizationId) =>
          this.chats.sendEvent(token, organizationId, { chatId, event }),
        );
        eventId = sent.eventId;
      } catch (error) {
        if (!(isLiveChatApiError(error) && error.vendorType === 'chat_inactive')) {
          throw error;
        }
        const resumed = await this.inAccountGroup(connected, (groupId) =>
          this.sessions.call(session, (token, organizationId) =>
            this.chats.resumeChat(token, organizationId, {
              chatId,
              events: events.slice(index),
              continuous: true,
              groupId,
              properties: this.ownChats.properties,
            }),
          ),
        );
        threadId = resumed.threadId;
        eventId = resumed.eventIds[resumed.eventIds.length - 1] ?? eventId;
        await this.sessions.syncProfile(connected.installation.id, conversation.id);
        break;
      }
    }
    return { chatId, threadId, eventId };
  }

  /** custom_id → event id of this item's events already in the customer's chat. */
  private async eventsAlreadySent(
    session: CustomerSession,
    conversation: ConversationEntity,
    itemKey: string,
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    let chatId = conversation.chatId;
    if (!chatId) {
      const list = await this.sessions.call(session, (token, organizationId) =>
        this.chats.listChats(token, organizationId, { limit: 1 }),
      );
      chatId = list.chatsSummary[0]?.id ?? null;
    }
    if (!chatId) {
      return found;
    }
    const readChat = chatId;
    const chat = await this.sessions.call(session, (token, organizationId) =>
      this.chats.getChat(token, organizationId, { chatId: readChat }),
    );
    for (const event of chat.thread?.events ?? []) {
      if (event.customId && inboundCustomIds.isOf(event.customId, itemKey)) {
        found.set(event.customId, event.id);
      }
    }
    if (!conversation.chatId && found.size > 0) {
      conversation.chatId = chatId;
      conversation.threadId = chat.thread?.id ?? null;
    }
    return found;
  }

  /**
   * Starts or resumes a chat in the account's LiveChat group. A group deleted in LiveChat since
   * it was chosen must not cost a message: the chat goes to the General group, and the problem is
   * recorded on the account for the settings page (later chats go straight to General until an
   * admin chooses another group).
   */
  private async inAccountGroup<T>(
    connected: ConnectedAccount,
    call: (groupId: number) => Promise<T>,
  ): Promise<T> {
    const { account, installation } = connected;
    const groupId = account.livechatGroupProblem ? DEFAULT_GROUP_ID : account.livechatGroupId;
    try {
      return await call(groupId);
    } catch (error) {
      if (
        groupId === DEFAULT_GROUP_ID ||
        !isLiveChatApiError(error) ||
        error.vendorType !== 'group_not_found'
      ) {
        throw error;
      }
      const problem = `LiveChat group ${groupId} no longer exists (deleted in LiveChat?): new chats go to the General group until you choose another group.`;
      await this.accounts.markLivechatGroupProblem(installation.id, account.id, groupId, problem);
      // The directory's cached row: the next chats of this worker skip the refused group too.
      account.livechatGroupProblem = problem;
      this.logger.warn({
        msg: 'LiveChat group not found; chat routed to the General group',
        installationId: installation.id,
        accountId: account.id,
        livechatGroupId: groupId,
      });
      return call(DEFAULT_GROUP_ID);
    }
  }
}
