import { LiveChatProperties } from './customer-chat.types';

/**
 * The chat property our relay sets when it starts or resumes a chat: namespace = our client id
 * (LiveChat names a property's namespace after the client id that registered it), name
 * `instagram_relay`, value `true`. Registered once in the Developer Console (Properties block:
 * domain chat, type bool, customer read/write, agent read); see docs/marketplace-and-meta-setup.md.
 */
export const RELAY_CHAT_PROPERTY = 'instagram_relay';

export function relayChatProperties(clientId: string): LiveChatProperties {
  return { [clientId]: { [RELAY_CHAT_PROPERTY]: true } };
}

/**
 * True when a chat's properties (a webhook's `additional_data.chat_properties`, or the chat of
 * `incoming_chat`) carry our mark. Tolerant of how the value comes back (UNCONFIRMED whether a
 * bool property is echoed as `true` or `"true"`).
 */
export function isRelayChat(properties: LiveChatProperties | undefined, clientId: string): boolean {
  const value = properties?.[clientId]?.[RELAY_CHAT_PROPERTY];
  return value === true || value === 'true' || value === 1 || value === '1';
}
