import { Injectable } from '@nestjs/common';
import { isMetaGraphError, MetaGraphClient } from '@app/meta-graph';
import { MessageLinkEntity, MessageLinkRepository } from '@app/persistence';
import { OutboundSendMarker } from '../inbound/outbound-send-marker';
import { OutboundPart } from './outbound-parts.util';
import { OutboundTag, OutboundTarget } from './outbound-pipeline.types';
import { SendRateLimiter } from './send-rate-limiter';

/**
 * Deliver: one claimed part to Instagram (Send API), within the account's send rate. While the
 * send is in flight and its message id not yet recorded, the conversation is marked as sending
 * (the echo Meta sends meanwhile waits instead of looking like a new message): `deliver` sets the
 * mark, `recorded` (after the record step) clears it. When Meta answered with an error nothing
 * was sent, so the claim goes back; after a timeout it stays: the send may have gone through,
 * and the echo will tell (claim step).
 */
@Injectable()
export class OutboundDeliverStep {
  constructor(
    private readonly graph: MetaGraphClient,
    private readonly limiter: SendRateLimiter,
    private readonly marker: OutboundSendMarker,
    private readonly links: MessageLinkRepository,
  ) {}

  /** Sends the part; returns Instagram's message id. The mark is left set: see `recorded`. */
  async deliver(
    target: OutboundTarget,
    link: MessageLinkEntity,
    part: OutboundPart,
    tagging: OutboundTag,
    pageToken: string,
  ): Promise<string> {
    const { installation, conversation, account } = target;
    const kind =
      part.kind === 'attachment' && (part.type === 'audio' || part.type === 'video')
        ? 'audio-video'
        : 'standard';
    // The count and the mark in one round trip.
    await this.limiter.take(
      account.instagramAccountId,
      kind,
      Date.now(),
      this.marker.markOf(account.instagramAccountId, conversation.igsid),
    );
    try {
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
      return result.messageId;
    } catch (error) {
      if (isMetaGraphError(error) && !error.transport) {
        await this.links.releaseOutbound(installation.id, link.id);
      }
      await this.recorded(target);
      throw error;
    }
  }

  /** The sent part's message id is recorded (or its send failed): its echo is recognised now. */
  async recorded(target: OutboundTarget): Promise<void> {
    await this.marker.clear(target.account.instagramAccountId, target.conversation.igsid);
  }
}
