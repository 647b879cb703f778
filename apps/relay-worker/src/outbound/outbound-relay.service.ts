import { Injectable } from '@nestjs/common';
import { RelayError } from '@app/credentials';
import { ChatEvent, LiveChatWebhook, parseLiveChatWebhook } from '@app/livechat-sdk';
import { isMetaGraphError } from '@app/meta-graph';
import { LiveChatInboundWork } from '@app/queues';
import { OutboundClaimStep } from './outbound-claim.step';
import { OutboundDeliverStep } from './outbound-deliver.step';
import { OutboundOutcome, OutboundTarget } from './outbound-pipeline.types';
import { OutboundRecordStep } from './outbound-record.step';
import { OutboundRefusalStep, RefusedByMetaError } from './outbound-refusal.step';
import { mayBeAgentReply, OutboundRenderStep } from './outbound-render.step';
import { OutboundResolveStep } from './outbound-resolve.step';
import { OutboundSeenStep } from './outbound-seen.step';
import { PageTokenCache } from './page-token-cache';

export type { OutboundOutcome } from './outbound-pipeline.types';

function parsed(job: LiveChatInboundWork): LiveChatWebhook {
  const result = parseLiveChatWebhook({ ...job.body, secret_key: '' });
  if (!result.ok) {
    throw new RelayError(
      'permanent',
      `stored LiveChat webhook no longer parses: ${result.reason}`,
      'unparseable',
    );
  }
  return result.webhook;
}

/**
 * Agent reply → Instagram, as a pipeline: resolve the chat's conversation and account, render
 * the reply (only what an agent wrote for the customer, within the messaging window), then per
 * part claim (exactly once), deliver (within the account's send rate) and record; a reply that
 * cannot go is refused with a notice to the agent, or held in order (refusal step).
 */
@Injectable()
export class OutboundRelayService {
  constructor(
    private readonly resolve: OutboundResolveStep,
    private readonly renderer: OutboundRenderStep,
    private readonly claims: OutboundClaimStep,
    private readonly delivery: OutboundDeliverStep,
    private readonly record: OutboundRecordStep,
    private readonly refusals: OutboundRefusalStep,
    private readonly seen: OutboundSeenStep,
    private readonly pageTokens: PageTokenCache,
  ) {}

  async relay(job: LiveChatInboundWork): Promise<OutboundOutcome> {
    const webhook = parsed(job);
    switch (webhook.action) {
      case 'incoming_event': {
        const { chatId, event } = webhook.payload;
        if (!mayBeAgentReply(event)) {
          // Most of these are the customer's own messages we relayed: no need to look them up.
          return 'not-an-agent-reply';
        }
        const target = await this.resolve.target(webhook.organizationId, chatId, job);
        return target ? this.reply(target, event, job) : 'not-our-chat';
      }
      case 'events_marked_as_seen': {
        const target = await this.resolve.target(webhook.organizationId, webhook.payload.chatId);
        if (!target || webhook.payload.userId === target.conversation.livechatCustomerId) {
          return 'ignored';
        }
        return this.seen.markSeen(target);
      }
      case 'incoming_chat': {
        const threadId = webhook.payload.chat.thread?.id;
        const ours =
          !!threadId &&
          (await this.resolve.recordThread(
            webhook.organizationId,
            webhook.payload.chat.id,
            threadId,
          ));
        return ours ? 'recorded' : 'ignored';
      }
      case 'chat_deactivated':
      case 'event_deleted':
      case 'event_updated':
      case 'unknown':
        return 'ignored';
    }
  }

  private async reply(
    target: OutboundTarget,
    event: ChatEvent,
    job: LiveChatInboundWork,
  ): Promise<OutboundOutcome> {
    const rendering = this.renderer.render(target, event);
    if (!rendering.send) {
      if ('outcome' in rendering) {
        return rendering.outcome;
      }
      if ('hold' in rendering) {
        return this.refusals.holdForReconnect(target);
      }
      return this.refusals.refuse(target, event.id, rendering.refuse);
    }
    const pageToken = this.pageTokens.tokenOf(target.account);
    if (!pageToken) {
      return this.refusals.refuse(target, event.id, 'token-invalid');
    }
    let sent = 0;
    for (const [index, part] of rendering.parts.entries()) {
      const claim = await this.claims.claim(target, event.id, index, part);
      if (claim.status !== 'send') {
        sent += claim.status === 'settled-by-echo' ? 1 : 0;
        continue;
      }
      let messageId: string;
      try {
        messageId = await this.delivery.deliver(
          target,
          claim.link,
          part,
          rendering.tagging,
          pageToken,
        );
      } catch (error) {
        if (isMetaGraphError(error)) {
          return this.refusals.onMetaFailure(target, event.id, error);
        }
        throw error;
      }
      try {
        await this.record.sent(target, claim.link.id, messageId);
      } finally {
        await this.delivery.recorded(target);
      }
      sent += 1;
    }
    if (sent === 0) {
      return 'duplicate';
    }
    this.record.replied(job.acceptedAt);
    return 'sent';
  }

  /** Called when retries run out: the agent must not be left believing the reply went out. */
  async giveUp(job: LiveChatInboundWork, error?: Error): Promise<void> {
    if (error instanceof RefusedByMetaError) {
      return; // the agent was told why already
    }
    const result = parseLiveChatWebhook({ ...job.body, secret_key: '' });
    if (!result.ok || result.webhook.action !== 'incoming_event') {
      return;
    }
    const { chatId, event } = result.webhook.payload;
    const target = await this.resolve.target(result.webhook.organizationId, chatId);
    if (target) {
      await this.refusals.gaveUp(target, event.id, error);
    }
  }
}
