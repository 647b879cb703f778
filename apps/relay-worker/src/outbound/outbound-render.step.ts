import { Injectable } from '@nestjs/common';
import { ChatEvent } from '@app/livechat-sdk';
import { inboundCustomIds } from '@app/queues';
import { NOTICE_CUSTOM_ID_PREFIX } from './agent-notice.service';
import { decideWindow, replyAuthorOf, WindowDecision } from './messaging-window.util';
import { OutboundPart, outboundParts } from './outbound-parts.util';
import { OutboundTag, OutboundTarget } from './outbound-pipeline.types';

/** What an agent's event becomes: parts to send, or why nothing is sent. */
export type OutboundRendering =
  | { send: true; parts: OutboundPart[]; tagging: OutboundTag }
  | { send: false; outcome: 'not-an-agent-reply' | 'ignored' }
  /** The agent is told why (a notice keyed by this reason) and the reply is refused. */
  | { send: false; refuse: 'disconnected' | Extract<WindowDecision, { send: false }>['reason'] }
  /** The account needs reconnecting: the reply waits in order for an admin. */
  | { send: false; hold: true };

/**
 * What the event itself says about being a person's reply to the customer (message, file or
 * rich message, for everyone, with an author, not one of ours); the author must then not be the
 * conversation's customer.
 */
export function mayBeAgentReply(event: ChatEvent): boolean {
  return (
    (event.type === 'message' || event.type === 'file' || event.type === 'rich_message') &&
    event.visibility === 'all' &&
    !!event.authorId &&
    !inboundCustomIds.isInbound(event.customId) &&
    !event.customId?.startsWith(NOTICE_CUSTOM_ID_PREFIX)
  );
}

/**
 * Render: an agent's LiveChat event as the Instagram messages it becomes, after the checks that
 * decide whether it may go at all — only a person's reply to the customer crosses (everything
 * else would loop or leak), from a connected account, within Meta's messaging window (the
 * HUMAN_AGENT tag only for a reply a person wrote, never a LiveChat bot's). No I/O.
 */
@Injectable()
export class OutboundRenderStep {
  render(target: OutboundTarget, event: ChatEvent, now = Date.now()): OutboundRendering {
    const { installation, conversation, account } = target;
    if (!mayBeAgentReply(event) || event.authorId === conversation.livechatCustomerId) {
      return { send: false, outcome: 'not-an-agent-reply' };
    }
    const parts = outboundParts(event);
    if (parts.length === 0) {
      return { send: false, outcome: 'ignored' };
    }
    if (account.status === 'disconnected') {
      return { send: false, refuse: 'disconnected' };
    }
    if (account.status === 'needs_reconnect') {
      return { send: false, hold: true };
    }
    const window = decideWindow(
      conversation.lastInboundAt,
      installation.humanAgentEnabled,
      now,
      replyAuthorOf(event.authorId),
    );
    if (!window.send) {
      return { send: false, refuse: window.reason };
    }
    const tagging: OutboundTag =
      window.messagingType === 'MESSAGE_TAG'
        ? { messagingType: 'MESSAGE_TAG', tag: window.tag }
        : { messagingType: 'RESPONSE' };
    return { send: true, parts, tagging };
  }
}
