import { Injectable, Logger } from '@nestjs/common';
import { enqueueDeleteIfRequested } from '@app/app-wiring';
import {
  ConnectedAccount,
  heldFor,
  installationHolder,
  InstagramAccountDirectory,
  LiveChatCredentialsService,
  RelayError,
} from '@app/credentials';
import { CustomerChatClient, CustomerEventInput, isLiveChatApiError } from '@app/livechat-sdk';
import { InstagramMessagingItem, parseInstagramMessagingItem } from '@app/meta-graph';
import {
  ConversationEntity,
  ConversationRepository,
  DeletionRequestRepository,
  InstagramAccountRepository,
  MessageLinkEntity,
  MessageLinkRepository,
} from '@app/persistence';
import { currentCorrelationId, kindOf, Metrics } from '@app/platform';
import {
  DeferJobError,
  InstagramInboundWork,
  itemKeys,
  jobIds,
  JobProducer,
  QueueName,
} from '@app/queues';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import {
  excerpt,
  InboundDraft,
  opensMessagingWindow,
  referencedMid,
  renderInboundItem,
} from './inbound-render.util';
import { InstagramMediaService } from './instagram-media.service';
import { EchoEvidenceService } from './echo-evidence.service';
import { LastRelayedThrottle } from './last-relayed-throttle';
import { OutboundSendMarker } from './outbound-send-marker';
import { OwnChatRegistry } from './own-chat-registry.service';

export type InboundOutcome =
  | 'relayed'
  | 'duplicate'
  | 'own-echo'
  | 'seen'
  | 'dropped-unknown-account'
  | 'dropped-disconnected'
  | 'dropped-empty';

/** The group every LiveChat license has and no one can delete ("General"). */
const DEFAULT_GROUP_ID = 0;

interface Session {
  token: string;
  customerId: string;
  organizationId: string;
}

/**
 * Instagram item → LiveChat: finds the account and its installation, the customer (created on
 * first contact), the chat (one per customer, resumed), renders the item and sends it, then
 * records the link. Exactly once: the link is claimed before sending, every event carries the
 * item's key as custom_id, and a retry after a crash looks for those events before sending again.
 */
@Injectable()
export class InboundRelayService {
  private readonly logger = new Logger(InboundRelayService.name);

  constructor(
    private readonly directory: InstagramAccountDirectory,
    private readonly credentials: LiveChatCredentialsService,
    private readonly chats: CustomerChatClient,
    private readonly conversations: ConversationRepository,
    private readonly links: MessageLinkRepository,
    private readonly media: InstagramMediaService,
    private readonly producer: JobProducer,
    private readonly outboundMarker: OutboundSendMarker,
    private readonly echoes: EchoEvidenceService,
    private readonly metrics: Metrics,
    private readonly env: RelayWorkerEnv,
    private readonly deletionRequests: DeletionRequestRepository,
    private readonly lastRelayed: LastRelayedThrottle,
    private readonly ownChats: OwnChatRegistry,
    private readonly accounts: InstagramAccountRepository,
  ) {}

  async relay(job: InstagramInboundWork): Promise<InboundOutcome> {
    const connected = await this.directory.find(job.instagramAccountId);
    if (!connected) {
      this.logger.warn({
        msg: 'instagram item for an unknown account dropped',
        instagramAccountId: job.instagramAccountId,
        correlationId: job.correlationId,
      });
      return 'dropped-unknown-account';
    }
    const { account, installation } = connected;
    if (account.status === 'disconnected' || installation.status === 'uninstalled') {
      return 'dropped-disconnected';
    }
    if (installation.status === 'needs_reauth') {
      throw heldFor(
        new RelayError(
          'auth',
          'the LiveChat installation needs to be reinstalled',
          'installation_needs_reauth',
        ),
        installationHolder(installation.id),
      );
    }
    try {
      return await this.relayConnected(connected, job);
    } catch (error) {
      // LiveChat refused even a refreshed grant: the item waits for the admin to reinstall.
      if (error instanceof Error && kindOf(error) === 'auth') {
        throw heldFor(error, installationHolder(installation.id));
      }
      throw error;
    }
  }

  private async relayConnected(
    connected: ConnectedAccount,
    job: InstagramInboundWork,
  ): Promise<InboundOutcome> {
    const { account, installation } = connected;
    const item = parseInstagramMessagingItem(job.item);

    if (item.kind === 'echo') {
      // Our app on either path: the Meta app (Page) or the Instagram app (Instagram Login).
      if (
        item.appId !== undefined &&
        (item.appId === this.env.META_APP_ID || item.appId === this.env.META_INSTAGRAM_APP_ID)
      ) {
        // Evidence for a reply whose send outcome we may not have recorded (see EchoEvidence).
        const fp = this.echoes.fingerprintOfEcho(item.content);
        if (fp) {
          await this.echoes.record(
            account.instagramAccountId,
            job.igsid,
            item.mid,
            fp,
            item.timestamp,
          );
        }
        return 'own-echo';
      }
      if (await this.outboundMarker.isSending(account.instagramAccountId, job.igsid)) {
        // Our Send API call may have produced this echo and not yet recorded its id.
        throw new DeferJobError(300, 'an outbound send to this user is in flight');
      }
      const own = await this.links.findByInstagramId(
        installation.id,
        account.id,
        itemKeys.message(item.mid),
      );
      if (own?.direction === 'outbound') {
        return 'own-echo';
      }
    }

    if (item.kind === 'read') {
      const conversation = await this.conversations.findOrCreate(
        installation.id,
        account.id,
        job.igsid,
      );
      return this.markSeen(connected, conversation, item.timestamp);
    }

    // The window opens when the customer writes, not when LiveChat has the message: recorded
    // with the claim, before delivery, so an agent answering the instant the chat appears is not
    // refused.
    const { conversation, link, created } = await this.claim(
      connected,
      job,
      opensMessagingWindow(item) ? new Date(item.timestamp) : null,
    );
    if (link.state === 'done') {
      return 'duplicate';
    }

    const session = await this.session(connected, conversation);
    const quote = await this.quoteFor(connected, session, item);
    const drafts = renderInboundItem(item, { quote });
    if (drafts.length === 0) {
      await this.links.deleteById(installation.id, link.id);
      return 'dropped-empty';
    }
    const events = await this.materialize(connected, drafts, session, job.itemKey);
    // Uninstalled or disconnected while this item was on its way: nothing more reaches LiveChat.
    if (!(await this.directory.stillRelaying(account.instagramAccountId))) {
      await this.links.deleteById(installation.id, link.id);
      return 'dropped-disconnected';
    }
    // A previous attempt claimed this item: some of its events may already be in LiveChat.
    const already = created
      ? new Map<string, string>()
      : await this.eventsAlreadySent(connected, session, conversation, job.itemKey);
    const delivered = await this.deliver(
      connected,
      conversation,
      session,
      events,
      already,
      job.itemKey,
    );
    // Before the chat is recorded: the gateway then accepts its agents' replies (OwnChatRegistry).
    await this.ownChats.remember(installation.organizationId, delivered.chatId);
    // One statement: the link, the chat and thread when they changed, "last relayed" when due.
    await this.links.completeInbound(
      installation.id,
      link.id,
      conversation.id,
      delivered,
      this.lastRelayed.take(account.id) ? { id: account.id, at: new Date() } : null,
    );
    // Its author may have deleted it already (the delete overtook it): the cleanup worker applies
    // it. Read after the link is done, not in the same statement: the delete handler writes its
    // request and then reads the link, so one of the two sees the other; in one snapshot both
    // could miss.
    await enqueueDeleteIfRequested(this.deletionRequests, this.producer, {
      accountId: account.id,
      instagramAccountId: account.instagramAccountId,
      igsid: job.igsid,
      itemKey: job.itemKey,
      correlationId: job.correlationId,
    });
    this.metrics.relayLatency.observe(
      { direction: 'inbound' },
      (Date.now() - job.acceptedAt) / 1000,
    );
    return 'relayed';
  }

  /**
   * The item's claim and its conversation (one round trip); on first contact the conversation is
   * created, then claimed in.
   */
  private async claim(
    connected: ConnectedAccount,
    job: InstagramInboundWork,
    windowAt: Date | null,
  ): Promise<{ conversation: ConversationEntity; link: MessageLinkEntity; created: boolean }> {
    const { installation, account } = connected;
    const key = {
      installationId: installation.id,
      instagramAccountId: account.id,
      igsid: job.igsid,
      instagramMessageId: job.itemKey,
    };
    const claimed = await this.links.claimInboundWithConversation(key, windowAt);
    if (claimed) {
      return claimed;
    }
    await this.conversations.findOrCreate(installation.id, account.id, job.igsid);
    const retried = await this.links.claimInboundWithConversation(key, windowAt);
    if (!retried) {
      // Only a purge running at this very moment removes a conversation just created.
      throw new RelayError(
        'retryable',
        'the conversation was removed while the item was claimed',
        'conversation_removed',
      );
    }
    return retried;
  }

  private async session(
    connected: ConnectedAccount,
    conversation: ConversationEntity,
  ): Promise<Session> {
    const { installation } = connected;
    const creds = await this.credentials.customer(installation.id, conversation.livechatCustomerId);
    if (creds.created) {
      conversation.livechatCustomerId = creds.customerId;
      await this.conversations.update(installation.id, conversation.id, {
        livechatCustomerId: creds.customerId,
      });
      await this.syncProfile(installation.id, conversation.id);
    }
    return {
      token: creds.token,
      customerId: creds.customerId,
      organizationId: installation.organizationId,
    };
  }

  /**
   * Name, username, profile link and the Instagram account written to come later: a slow or
   * failing profile lookup must never hold up the message. Also on every resumed chat, so a
   * customer's details (and those of customers created before a field was added) stay current.
   */
  private async syncProfile(installationId: string, conversationId: string): Promise<void> {
    await this.producer.add(
      QueueName.CUSTOMER_PROFILE,
      {
        correlationId: currentCorrelationId() ?? conversationId,
        acceptedAt: Date.now(),
        installationId,
        conversationId,
      },
      { jobId: jobIds.customerProfile(conversationId) },
    );
  }

  /** Runs a chat call; on an expired customer token, mints a fresh one and tries once more. */
  private async withCustomer<T>(
    connected: ConnectedAccount,
    session: Session,
    call: (token: string) => Promise<T>,
  ): Promise<T> {
    try {
      return await call(session.token);
    } catch (error) {
      if (isLiveChatApiError(error) && error.kind === 'auth') {
        await this.credentials.forgetCustomer(connected.installation.id, session.customerId);
        const fresh = await this.credentials.customer(
          connected.installation.id,
          session.customerId,
          { fresh: true },
        );
        session.token = fresh.token;
        return call(session.token);
      }
      throw error;
    }
  }

  private async materialize(
    connected: ConnectedAccount,
    drafts: InboundDraft[],
    session: Session,
    itemKey: string,
  ): Promise<CustomerEventInput[]> {
    const events: CustomerEventInput[] = [];
    for (const [index, draft] of drafts.entries()) {
      const customId = index === 0 ? `ig:${itemKey}` : `ig:${itemKey}#${index}`;
      if (draft.type === 'text') {
        events.push({ type: 'message', text: draft.text, customId });
        continue;
      }
      const { media } = draft;
      if (!media.url) {
        events.push({
          type: 'message',
          text: `📎 Sent a ${media.type} without a link Instagram shares.`,
          customId,
        });
        continue;
      }
      const fetched = await this.media.fetch(media.url, media.type);
      if (fetched.status === 'gone') {
        events.push({
          type: 'message',
          text: `📎 Sent a ${media.type} that could no longer be downloaded from Instagram.`,
          customId,
        });
        continue;
      }
      if (fetched.status === 'refused') {
        events.push({
          type: 'message',
          text: `📎 Sent a ${media.type} that was not downloaded: its link does not lead to Instagram's media servers.`,
          customId,
        });
        continue;
      }
      if (fetched.status === 'too-large') {
        const size = fetched.bytes ? ` (${(fetched.bytes / 1024 / 1024).toFixed(1)} MB)` : '';
        events.push({
          type: 'message',
          text: `📎 Sent a ${media.type} too large to attach here${size}: ${media.url}\n(Instagram links expire: open Instagram for the original.)`,
          customId,
        });
        continue;
      }
      const uploaded = await this.withCustomer(connected, session, (token) =>
        this.chats.uploadFile(token, session.organizationId, {
          fileName: fetched.fileName,
          contentType: fetched.contentType,
          data: fetched.data,
        }),
      );
      events.push({ type: 'file', url: uploaded.url, customId });
    }
    return events;
  }

  /** custom_id → event id of this item's events already in the customer's chat. */
  private async eventsAlreadySent(
    connected: ConnectedAccount,
    session: Session,
    conversation: ConversationEntity,
    itemKey: string,
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    let chatId = conversation.chatId;
    if (!chatId) {
      const list = await this.withCustomer(connected, session, (token) =>
        this.chats.listChats(token, session.organizationId, { limit: 1 }),
      );
      chatId = list.chatsSummary[0]?.id ?? null;
    }
    if (!chatId) {
      return found;
    }
    const readChat = chatId;
    const chat = await this.withCustomer(connected, session, (token) =>
      this.chats.getChat(token, session.organizationId, { chatId: readChat }),
    );
    for (const event of chat.thread?.events ?? []) {
      if (event.customId === `ig:${itemKey}` || event.customId?.startsWith(`ig:${itemKey}#`)) {
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
   * One chat per customer: send into the active chat, resume it when inactive, start it when
   * there is none (continuous, in the account's group). Returns where the item landed; the
   * caller records it, with the link, in one statement.
   */
  private async deliver(
    connected: ConnectedAccount,
    conversation: ConversationEntity,
    session: Session,
    allEvents: CustomerEventInput[],
    already: Map<string, string>,
    itemKey: string,
  ): Promise<{ chatId: string; threadId: string | null; eventId: string }> {
    let events = allEvents.filter((e) => !already.has(e.customId ?? ''));
    const lastKnown = (): string => [...already.values()].pop() ?? '';
    if (events.length === 0 && conversation.chatId) {
      // Everything was sent by an earlier attempt that crashed before recording it.
      return { chatId: conversation.chatId, threadId: conversation.threadId, eventId: lastKnown() };
    }
    if (!conversation.chatId) {
      try {
        const started = await this.inAccountGroup(connected, (groupId) =>
          this.withCustomer(connected, session, (token) =>
            this.chats.startChat(token, session.organizationId, {
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
        const existing = await this.withCustomer(connected, session, (token) =>
          this.chats.listChats(token, session.organizationId, { limit: 1 }),
        );
        const chatId = existing.chatsSummary[0]?.id;
        if (!chatId) {
          throw error;
        }
        conversation.chatId = chatId;
        // start_chat may have gone through with our events inline before the failure.
        const sent = await this.eventsAlreadySent(connected, session, conversation, itemKey);
        sent.forEach((id, customId) => already.set(customId, id));
        events = events.filter((e) => !already.has(e.customId ?? ''));
        if (events.length === 0) {
          return { chatId, threadId: conversation.threadId, eventId: lastKnown() };
        }
      }
    }
    const chatId = conversation.chatId;
    let eventId = lastKnown();
    let threadId = conversation.threadId;
    for (const [index, event] of events.entries()) {
      try {
        const sent = await this.withCustomer(connected, session, (token) =>
          this.chats.sendEvent(token, session.organizationId, { chatId, event }),
        );
        eventId = sent.eventId;
      } catch (error) {
        if (isLiveChatApiError(error) && error.vendorType === 'chat_inactive') {
          const resumed = await this.inAccountGroup(connected, (groupId) =>
            this.withCustomer(connected, session, (token) =>
              this.chats.resumeChat(token, session.organizationId, {
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
          await this.syncProfile(connected.installation.id, conversation.id);
          break;
        }
        throw error;
      }
    }
    return { chatId, threadId, eventId };
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

  /** An excerpt of the message a reaction or an inline reply points at, read from LiveChat. */
  private async quoteFor(
    connected: ConnectedAccount,
    session: Session,
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

  private async markSeen(
    connected: ConnectedAccount,
    conversation: ConversationEntity,
    timestamp: number,
  ): Promise<InboundOutcome> {
    if (!conversation.chatId || !conversation.livechatCustomerId) {
      return 'seen';
    }
    const session = await this.session(connected, conversation);
    const chatId = conversation.chatId;
    try {
      await this.withCustomer(connected, session, (token) =>
        this.chats.markEventsAsSeen(token, session.organizationId, {
          chatId,
          seenUpTo: new Date(timestamp),
        }),
      );
    } catch (error) {
      // A read receipt is not worth a retry storm: log and move on.
      this.logger.warn({
        msg: 'mark seen failed',
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return 'seen';
  }
}
