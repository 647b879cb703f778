/** Meta's standard messaging window after the customer's last message. */
export const STANDARD_WINDOW_MS = 24 * 3_600_000;
/** The HUMAN_AGENT tag extends it, for replies written by a person, to 7 days. */
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 3_600_000;

export type WindowDecision =
  | { send: true; messagingType: 'RESPONSE' }
  | { send: true; messagingType: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' }
  | {
      send: false;
      reason: 'no-customer-message' | 'human-agent-off' | 'expired' | 'bot-after-24h';
    };

/** Who wrote a reply: Meta allows the HUMAN_AGENT tag only for a person. */
export type ReplyAuthor = 'person' | 'bot';

/**
 * A LiveChat agent's id is their login, an e-mail address; a bot's (ChatBot, AI agents, any
 * `create_bot` agent) is a hex string, and webhooks carry nothing else to tell them apart (both
 * are users of type "agent"). Anything that is not an e-mail address counts as a bot: a wrong
 * guess costs a refused late reply, never a HUMAN_AGENT tag Meta forbids.
 */
export function replyAuthorOf(authorId: string | undefined): ReplyAuthor {
  return authorId && /^[^\s@]+@[^\s@]+$/.test(authorId) ? 'person' : 'bot';
}

/** Whether (and how) an agent's reply may go to Instagram now. */
export function decideWindow(
  lastInboundAt: Date | null,
  humanAgentEnabled: boolean,
  now: number,
  author: ReplyAuthor = 'person',
): WindowDecision {
  if (!lastInboundAt) {
    return { send: false, reason: 'no-customer-message' };
  }
  const age = now - lastInboundAt.getTime();
  if (age <= STANDARD_WINDOW_MS) {
    return { send: true, messagingType: 'RESPONSE' };
  }
  if (age <= HUMAN_AGENT_WINDOW_MS) {
    if (author === 'bot') {
      return { send: false, reason: 'bot-after-24h' };
    }
    return humanAgentEnabled
      ? { send: true, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }
      : { send: false, reason: 'human-agent-off' };
  }
  return { send: false, reason: 'expired' };
}
