/** Meta's standard messaging window after the customer's last message. */
export const STANDARD_WINDOW_MS = 24 * 3_600_000;
/** The HUMAN_AGENT tag extends it, for replies written by a person, to 7 days. */
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 3_600_000;

export type WindowDecision =
  | { send: true; messagingType: 'RESPONSE' }
  | { send: true; messagingType: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' }
  | { send: false; reason: 'no-customer-message' | 'human-agent-off' | 'expired' };

/** Whether (and how) an agent's reply may go to Instagram now. */
export function decideWindow(
  lastInboundAt: Date | null,
  humanAgentEnabled: boolean,
  now: number,
): WindowDecision {
  if (!lastInboundAt) {
    return { send: false, reason: 'no-customer-message' };
  }
  const age = now - lastInboundAt.getTime();
  if (age <= STANDARD_WINDOW_MS) {
    return { send: true, messagingType: 'RESPONSE' };
  }
  if (age <= HUMAN_AGENT_WINDOW_MS) {
    return humanAgentEnabled
      ? { send: true, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }
      : { send: false, reason: 'human-agent-off' };
  }
  return { send: false, reason: 'expired' };
}
