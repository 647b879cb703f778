import { Injectable, Logger } from '@nestjs/common';
import { accountHolder, ConnectionSignals, heldFor, holderOf, RelayError } from '@app/credentials';
import { ChatEvent, parseLiveChatWebhook } from '@app/livechat-sdk';
import { isMetaGraphError, MetaGraphClient, MetaGraphError } from '@app/meta-graph';
import {
  ConversationEntity,
  ConversationRepository,
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
  MessageLinkEntity,
  MessageLinkRepository,
} from '@app/persistence';
import { Metrics } from '@app/platform';
import { DeferJobError, itemKeys, LiveChatInboundWork } from '@app/queues';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import { EchoEvidenceService } from '../inbound/echo-evidence.service';
import { LastRelayedThrottle } from '../inbound/last-relayed-throttle';
import { OutboundSendMarker } from '../inbound/outbound-send-marker';
import {
  AgentNoticeService,
  NOTICE_CUSTOM_ID_PREFIX,
  NoticeKey,
  noticeText,
} from './agent-notice.service';
import { decideWindow, replyAuthorOf } from './messaging-window.util';
import { OutboundPart, outboundParts } from './outbound-parts.util';
import { SendRateLimiter } from './send-rate-limiter';

export type OutboundOutcome =
  | 'sent'
  | 'duplicate'
  | 'refused'
  | 'not-our-chat'
  | 'not-an-agent-reply'
  | 'no-installation'
  | 'seen'
  | 'recorded'
  | 'ignored';

interface Target {
  installation: InstallationEntity;
  conversation: ConversationEntity;
  account: InstagramAccountEntity;
}

/** How long a webhook for an unknown chat waits for a just-started chat of ours to be recorded. */
const UNRECORDED_CHAT_WAIT_MS = 5_000;

/** How long a retry waits for the echo of an uncertain send before sending again. */
const ECHO_WAIT_MS = 15_000;

/**
 * The longest a retry waits for echoes still queued (a backlog, or an echo job held): as long as
 * echo evidence is kept (EchoEvidenceService), so a stuck lane cannot hold a chat's replies forever.
 */
const ECHO_BACKLOG_WAIT_MS = 10 * 60_000;

/** Meta reasons after which the agent is told at once and nothing is retried. */
const NOTICE_FOR_REASON: Partial<Record<MetaGraphError['reason'], NoticeKey>> = {
  'window-closed': 'window-closed',
  'user-unavailable': 'user-unavailable',
  'token-invalid': 'token-invalid',
  'permission-missing': 'permission-missing',
  'attachment-failed': 'attachment-failed',
  'invalid-parameter': 'invalid-parameter',
  'policy-blocked': 'policy-blocked',
};

/**
 * Meta refused a reply for good, and the agent was told: the job fails (visible in Bull Board with
 * Meta's reason and codes, never the reply) instead of completing as if it had been sent.
 */
class RefusedByMetaError extends RelayError {
  constructor(cause: MetaGraphError) {
    super(
      'permanent',
      `Meta refused the reply: ${cause.reason} (status ${cause.status ?? '-'}, code ${cause.code ?? '-'}, subcode ${cause.subcode ?? '-'})`,
      `meta_${cause.reason}`,
    );
  }
}

function refusedByMeta(cause: MetaGraphError): RefusedByMetaError {
  return new RefusedByMetaError(cause);
}

/**
 * What the event itself says about being a person's reply to the customer (message, file or
 * rich message, for everyone, with an author, not one of ours); the author must then not be the
 * conversation's customer.
 */
function mayBeAgentReply(event: ChatEvent): boolean {
  return (
    (event.type === 'message' || event.type === 'file' || event.type === 'rich_message') &&
    event.visibility === 'all' &&
    !!event.authorId &&
    !event.customId?.startsWith('ig:') &&
    !event.customId?.startsWith(NOTICE_CUSTOM_ID_PREFIX)
  );
}

/**
 * Agent reply → Instagram. Relays only what an agent wrote for the customer (message, file,
 * rich-message buttons; visibility "all") in chats of our Instagram customers — never the
 * customer's own events, system messages or internal notes. Applies the messaging window,
 * splits long text, sends each part exactly once (claimed per LiveChat event and part), records
 * the Instagram message ids (echoes and deletes use them) and tells the agent in the chat when
 * a reply cannot be delivered.
 */
@Injectable()
export class OutboundRelayService {
  private readonly logger = new Logger(OutboundRelayService.name);
  /**
   * Decrypted page tokens by account, each with the ciphertext it came from: the account row is
   * read with every webhook, so a new token (a reconnect) is a new ciphertext and is used at once.
   */
  private readonly pageTokens = new Map<string, { enc: string; token: string }>();

  constructor(
    private readonly installations: InstallationRepository,
    private readonly conversations: ConversationRepository,
    private readonly accounts: InstagramAccountRepository,
    private readonly links: MessageLinkRepository,
    private readonly graph: MetaGraphClient,
    private readonly notices: AgentNoticeService,
    private readonly limiter: SendRateLimiter,
    private readonly marker: OutboundSendMarker,
    private readonly echoes: EchoEvidenceService,
    private readonly env: RelayWorkerEnv,
    private readonly metrics: Metrics,
    private readonly lastRelayed: LastRelayedThrottle,
    private readonly signals: ConnectionSignals,
  ) {}

  async relay(job: LiveChatInboundWork): Promise<OutboundOutcome> {
    const parsed = parseLiveChatWebhook({ ...job.body, secret_key: '' });
    if (!parsed.ok) {
      throw new RelayError(
        'permanent',
        `stored LiveChat webhook no longer parses: ${parsed.reason}`,
        'unparseable',
      );
    }
    const webhook = parsed.webhook;
    switch (webhook.action) {
      case 'incoming_event': {
        if (!mayBeAgentReply(webhook.payload.event)) {
          // Most of these are the customer's own messages we relayed: no need to look them up.
          return 'not-an-agent-reply';
        }
        const target = await this.target(webhook.organizationId, webhook.payload.chatId, job);
        if (!target) {
          return 'not-our-chat';
        }
        return this.relayEvent(target, webhook.payload.event, job);
      }
      case 'events_marked_as_seen': {
        const target = await this.target(webhook.organizationId, webhook.payload.chatId);
        if (!target || webhook.payload.userId === target.conversation.livechatCustomerId) {
          return 'ignored';
        }
        return this.markSeen(target);
      }
      case 'incoming_chat': {
        const target = await this.target(webhook.organizationId, webhook.payload.chat.id);
        const threadId = webhook.payload.chat.thread?.id;
        if (target && threadId) {
          if (threadId !== target.conversation.threadId) {
            await this.conversations.update(target.installation.id, target.conversation.id, {
              threadId,
            });
          }
          return 'recorded';
        }
        return 'ignored';
      }
      case 'chat_deactivated':
      case 'event_deleted':
      case 'event_updated':
      case 'unknown':
        return 'ignored';
    }
  }

  /**
   * The installation, conversation and account a webhook's chat belongs to: one query, never
   * cached, so a disconnect, an uninstall, a settings change or the customer's last message (the
   * messaging window) count from the very next webhook.
   */
  private async target(
    organizationId: string,
    chatId: string,
    job?: LiveChatInboundWork,
  ): Promise<Target | undefined> {
    const found = await this.conversations.findByOrganizationChat(organizationId, chatId);
    if (found) {
      return found.installation.status === 'uninstalled' ? undefined : found;
    }
    if (!job) {
      return undefined;
    }
    // Not recorded (yet): a chat of another integration, or one we started a moment ago.
    const installation = await this.installations.findByOrganization(organizationId);
    if (!installation || installation.status === 'uninstalled') {
      return undefined;
    }
    const conversation = await this.recentChatOfOurs(installation.id, chatId, job);
    if (!conversation) {
      return undefined;
    }
    const account = await this.accounts.findForInstallation(
      installation.id,
      conversation.instagramAccountId,
    );
    return account ? { installation, conversation, account } : undefined;
  }

  /**
   * A chat we started a moment ago may not be recorded yet when an agent (or a LiveChat
   * greeting) writes into it. The webhook's presence list (additional_data
   * chat_presence_user_ids, when configured) names its customer: ours, the chat is recorded
   * now. Without it, a recent webhook waits a few seconds for the record before being dropped.
   */
  private async recentChatOfOurs(
    installationId: string,
    chatId: string,
    job: LiveChatInboundWork,
  ): Promise<ConversationEntity | null> {
    const presence = (job.body.additional_data as { chat_presence_user_ids?: unknown } | undefined)
      ?.chat_presence_user_ids;
    if (Array.isArray(presence)) {
      for (const userId of presence) {
        if (typeof userId !== 'string') {
          continue;
        }
        const conversation = await this.conversations.findByCustomer(installationId, userId);
        if (conversation && !conversation.chatId) {
          await this.conversations.update(installationId, conversation.id, { chatId });
          return { ...conversation, chatId };
        }
        if (conversation?.chatId === chatId) {
          return conversation;
        }
      }
      return null;
    }
    if (Date.now() - job.acceptedAt < UNRECORDED_CHAT_WAIT_MS) {
      throw new DeferJobError(500, 'the chat may be ours and not recorded yet');
    }
    return null;
  }

  /** Only a person's reply to the customer crosses: everything else would loop or leak. */
  private isAgentReply(event: ChatEvent, conversation: ConversationEntity): boolean {
    return mayBeAgentReply(event) && event.authorId !== conversation.livechatCustomerId;
  }

  private async relayEvent(
    target: Target,
    event: ChatEvent,
    job: LiveChatInboundWork,
  ): Promise<OutboundOutcome> {
    const { installation, conversation, account } = target;
    if (!this.isAgentReply(event, conversation)) {
      return 'not-an-agent-reply';
    }
    const parts = outboundParts(event);
    if (parts.length === 0) {
      return 'ignored';
    }
    if (account.status === 'disconnected') {
      this.pageTokens.delete(account.id);
      await this.notices.tell(
        installation,
        conversation,
        `${event.id}:disconnected`,
        noticeText('disconnected'),
      );
      return 'refused';
    }
    if (account.status === 'needs_reconnect') {
      return this.holdForReconnect(target);
    }
    // Meta allows HUMAN_AGENT only for replies a person wrote: never for a LiveChat bot's.
    const window = decideWindow(
      conversation.lastInboundAt,
      installation.humanAgentEnabled,
      Date.now(),
      replyAuthorOf(event.authorId),
    );
    if (!window.send) {
      await this.notices.tell(
        installation,
        conversation,
        `${event.id}:${window.reason}`,
        noticeText(window.reason),
      );
      return 'refused';
    }
    const pageToken = this.pageToken(account);
    if (!pageToken) {
      await this.notices.tell(
        installation,
        conversation,
        `${event.id}:token-invalid`,
        noticeText('token-invalid'),
      );
      return 'refused';
    }

    let sent = 0;
    for (const [index, part] of parts.entries()) {
      const { link, created } = await this.links.claimOutbound({
        installationId: installation.id,
        instagramAccountId: account.id,
        conversationId: conversation.id,
        livechatChatId: conversation.chatId ?? '',
        livechatEventId: event.id,
        part: index,
      });
      if (link.state === 'done') {
        continue; // sent by an earlier delivery or attempt
      }
      if (!created && (await this.settledByEcho(target, link, part))) {
        sent += 1;
        continue;
      }
      await this.limiter.take(
        account.instagramAccountId,
        part.kind === 'attachment' && (part.type === 'audio' || part.type === 'video')
          ? 'audio-video'
          : 'standard',
      );
      await this.marker.mark(account.instagramAccountId, conversation.igsid);
      try {
        const tagging =
          window.messagingType === 'MESSAGE_TAG'
            ? { messagingType: 'MESSAGE_TAG' as const, tag: window.tag }
            : { messagingType: 'RESPONSE' as const };
        // Each account's own host: graph.facebook.com (Page token) or graph.instagram.com.
        const graph = this.graph.forLogin(account.loginPath);
        const result =
          part.kind === 'text'
            ? await graph.sendText(pageToken, {
                recipientId: conversation.igsid,
                text: part.text,
                ...tagging,
                ...(part.quickReplies ? { quickReplies: part.quickReplies } : {}),
              })
            : await graph.sendAttachment(pageToken, {
                recipientId: conversation.igsid,
                type: part.type,
                url: part.url,
                ...tagging,
              });
        await this.links.completeOutbound(
          installation.id,
          link.id,
          itemKeys.message(result.messageId),
        );
        sent += 1;
      } catch (error) {
        if (isMetaGraphError(error) && !error.transport) {
          // Meta answered: nothing was sent, so the claim goes back. After a timeout it stays:
          // the send may have gone through, and the echo will tell.
          await this.links.releaseOutbound(installation.id, link.id);
        }
        if (isMetaGraphError(error)) {
          return await this.onMetaFailure(target, event, error);
        }
        throw error;
      } finally {
        await this.marker.clear(account.instagramAccountId, conversation.igsid);
      }
    }
    if (sent === 0) {
      return 'duplicate';
    }
    this.metrics.relayLatency.observe(
      { direction: 'outbound' },
      (Date.now() - job.acceptedAt) / 1000,
    );
    if (this.lastRelayed.take(account.id)) {
      await this.accounts.touchRelayed(installation.id, account.id, new Date());
    }
    return 'sent';
  }

  /**
   * A claim left pending by an earlier attempt (a crash, or a timeout after Meta may have taken
   * the message): if the echo of that send arrived, record it instead of sending twice; give the
   * echo a little time to arrive before concluding the send never happened.
   */
  private async settledByEcho(
    target: Target,
    link: MessageLinkEntity,
    part: OutboundPart,
  ): Promise<boolean> {
    const { installation, conversation, account } = target;
    const fp = this.echoes.fingerprint(
      part.kind === 'text'
        ? { kind: 'text', text: part.text }
        : { kind: 'attachment', type: part.type },
    );
    // A worker killed mid-send leaves its jobs locked for QUEUE_LOCK_DURATION_MS: the echo's job
    // may wait that long too. Past that, Meta has sent the echo, but under load its job may still
    // be queued behind thousands of others (no clock bounds that): while echoes to this user are
    // queued, one of them may be the evidence. Asked before the evidence is read, so that an echo
    // recorded in between is found rather than missed.
    const waited = Date.now() - link.createdAt.getTime();
    const echoesQueued =
      waited >= ECHO_WAIT_MS + this.env.QUEUE_LOCK_DURATION_MS &&
      (await this.echoes.queued(account.instagramAccountId, conversation.igsid));
    const candidates = await this.echoes.find(
      account.instagramAccountId,
      conversation.igsid,
      fp,
      link.createdAt.getTime() - 1_000,
    );
    const taken = await this.links.linkedMessageIds(
      installation.id,
      account.id,
      candidates.map((mid) => itemKeys.message(mid)),
    );
    const mid = candidates.find((candidate) => !taken.has(itemKeys.message(candidate)));
    if (mid) {
      await this.links.completeOutbound(installation.id, link.id, itemKeys.message(mid));
      this.logger.log({
        msg: 'an uncertain send was confirmed by its echo; not sent again',
        eventId: link.livechatEventId,
        part: link.part,
      });
      return true;
    }
    if (waited < ECHO_WAIT_MS + this.env.QUEUE_LOCK_DURATION_MS) {
      throw new DeferJobError(
        1_000,
        'waiting for the echo of a reply that may already have reached Instagram',
      );
    }
    if (echoesQueued) {
      if (waited < ECHO_BACKLOG_WAIT_MS) {
        throw new DeferJobError(1_000, 'the echoes to this user are not all recorded yet');
      }
      this.logger.warn({
        msg: 'echoes to this user still queued after the longest wait; sending again',
        eventId: link.livechatEventId,
        part: link.part,
      });
    }
    return false;
  }

  private pageToken(account: InstagramAccountEntity): string | null {
    const enc = account.pageTokenEnc;
    const hit = this.pageTokens.get(account.id);
    if (enc && hit?.enc === enc) {
      return hit.token;
    }
    this.pageTokens.delete(account.id);
    const token = this.accounts.pageTokenOf(account);
    if (enc && token) {
      if (this.pageTokens.size > 10_000) {
        this.pageTokens.clear();
      }
      this.pageTokens.set(account.id, { enc, token });
    }
    return token;
  }

  /** Permanent and auth failures: the agent hears why, now; retryable ones go back to the queue. */
  private async onMetaFailure(
    target: Target,
    event: ChatEvent,
    error: MetaGraphError,
  ): Promise<OutboundOutcome> {
    const notice = NOTICE_FOR_REASON[error.reason];
    if (error.kind === 'auth') {
      this.pageTokens.delete(target.account.id);
      await this.accounts.setStatus(
        target.installation.id,
        target.account.id,
        'needs_reconnect',
        notice === 'permission-missing'
          ? 'A permission was removed: reconnect the account.'
          : 'The Instagram connection expired or was revoked: reconnect the account.',
      );
      await this.signals.changed();
      this.logger.warn({
        msg: 'instagram account needs reconnecting; replies held',
        reason: error.reason,
        code: error.code,
        subcode: error.subcode,
        accountId: target.account.id,
      });
      return this.holdForReconnect(target);
    }
    if (error.kind === 'permanent' && notice) {
      this.logger.warn({
        msg: 'reply not deliverable',
        reason: error.reason,
        code: error.code,
        subcode: error.subcode,
        eventId: event.id,
      });
      await this.notices.tell(
        target.installation,
        target.conversation,
        `${event.id}:${notice}`,
        noticeText(notice),
      );
      throw refusedByMeta(error);
    }
    if (error.kind === 'permanent') {
      await this.notices.tell(
        target.installation,
        target.conversation,
        `${event.id}:invalid-parameter`,
        noticeText('invalid-parameter'),
      );
      throw refusedByMeta(error);
    }
    throw error;
  }

  /**
   * The account needs reconnecting: the reply waits (in order, with the chat's later replies
   * behind it) until an admin reconnects, and the chat's agents are told once, not per reply.
   */
  private async holdForReconnect(target: Target): Promise<never> {
    const { installation, conversation, account } = target;
    const holder = accountHolder(account.id);
    const episode = await this.signals.firstTime(holder, conversation.id);
    if (episode) {
      try {
        await this.notices.tell(
          installation,
          conversation,
          `${conversation.id}:held-reconnect:${episode}`,
          noticeText('held-reconnect'),
        );
      } catch (error) {
        await this.signals.forgetFirstTime(holder, conversation.id, episode);
        throw error;
      }
    }
    throw heldFor(
      new RelayError(
        'auth',
        'the Instagram account needs to be reconnected',
        'account_needs_reconnect',
      ),
      holder,
    );
  }

  /** Called when retries run out: the agent must not be left believing the reply went out. */
  async giveUp(job: LiveChatInboundWork, error?: Error): Promise<void> {
    if (error instanceof RefusedByMetaError) {
      return; // the agent was told why already
    }
    const parsed = parseLiveChatWebhook({ ...job.body, secret_key: '' });
    if (!parsed.ok || parsed.webhook.action !== 'incoming_event') {
      return;
    }
    const target = await this.target(parsed.webhook.organizationId, parsed.webhook.payload.chatId);
    if (target) {
      await this.notices.tell(
        target.installation,
        target.conversation,
        `${parsed.webhook.payload.event.id}:gave-up`,
        noticeText(holderOf(error) ? 'held-expired' : 'gave-up'),
      );
    }
  }

  private async markSeen(target: Target): Promise<OutboundOutcome> {
    const pageToken = this.pageToken(target.account);
    const window = decideWindow(target.conversation.lastInboundAt, false, Date.now());
    if (!pageToken || !window.send) {
      return 'ignored';
    }
    try {
      await this.graph.forLogin(target.account.loginPath).sendSenderAction(pageToken, {
        recipientId: target.conversation.igsid,
        action: 'mark_seen',
      });
    } catch (error) {
      // A read receipt is not worth a retry.
      this.logger.debug({
        msg: 'mark_seen failed',
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    return 'seen';
  }
}
