import { Injectable, Logger } from '@nestjs/common';
import { LiveChatCredentialsService } from '@app/credentials';
import { CustomerChatClient, isLiveChatApiError } from '@app/livechat-sdk';
import { ConversationEntity, InstallationEntity } from '@app/persistence';

/** Marks our own notices so the outbound relay never takes them for an agent's reply. */
export const NOTICE_CUSTOM_ID_PREFIX = 'igl-notice:';

/**
 * Tells the agent, in the chat, that a reply did not reach Instagram and why. Posted as a
 * customer-side system message (the only voice the Customer Chat API gives us); when LiveChat
 * refuses that type, as a plain message, so the agent sees it either way.
 */
@Injectable()
export class AgentNoticeService {
  private readonly logger = new Logger(AgentNoticeService.name);

  constructor(
    private readonly credentials: LiveChatCredentialsService,
    private readonly chats: CustomerChatClient,
  ) {}

  async tell(
    installation: InstallationEntity,
    conversation: ConversationEntity,
    key: string,
    text: string,
  ): Promise<void> {
    if (!conversation.chatId || !conversation.livechatCustomerId) {
      return;
    }
    const chatId = conversation.chatId;
    const customId = `${NOTICE_CUSTOM_ID_PREFIX}${key}`;
    // A refused customer token is re-minted for the same customer and the notice posted at once.
    const told = await this.credentials.asCustomer(
      installation.id,
      conversation.livechatCustomerId,
      async (token) => {
        try {
          await this.chats.sendEvent(token, installation.organizationId, {
            chatId,
            event: {
              type: 'system_message',
              systemMessageType: 'instagram_delivery_failed',
              text,
              customId,
            },
            attachToLastThread: true,
          });
          return true;
        } catch (error) {
          if (isLiveChatApiError(error) && error.kind === 'permanent') {
            await this.chats.sendEvent(token, installation.organizationId, {
              chatId,
              event: { type: 'message', text, customId },
              attachToLastThread: true,
            });
            return false;
          }
          throw error;
        }
      },
    );
    if (!told) {
      return;
    }
    this.logger.log({
      msg: 'agent told a reply was not delivered',
      installationId: installation.id,
      conversationId: conversation.id,
      key,
    });
  }
}

export const NOTICES = {
  'no-customer-message':
    'Not delivered to Instagram: the customer has not written to this account yet, and Instagram lets a business reply only after the customer writes.',
  'human-agent-off':
    'Not delivered to Instagram: more than 24 hours have passed since the customer\'s last message. Turn on "Human Agent replies (up to 7 days)" in the Instagram app settings, or wait for the customer to write again.',
  'bot-after-24h':
    "Not delivered to Instagram: this reply was written by a bot, and more than 24 hours have passed since the customer's last message. Instagram allows replies after 24 hours (Human Agent) only when a person writes them: a human agent can answer up to 7 days.",
  expired:
    "Not delivered to Instagram: Instagram allows replies only within 7 days of the customer's last message. The customer has to write first.",
  'window-closed':
    "Not delivered to Instagram: the messaging window is closed (Instagram allows replies for 24 hours after the customer's last message, or 7 days with Human Agent replies).",
  'user-unavailable':
    'Not delivered to Instagram: this person is not available right now (they may have blocked the account, or their profile is deactivated).',
  'token-invalid':
    'Not delivered to Instagram: the connection to the Instagram account has expired or was revoked. An admin must reconnect it in the app settings, then resend.',
  'permission-missing':
    'Not delivered to Instagram: a permission the app needs was removed. An admin must reconnect the Instagram account in the app settings, then resend.',
  'attachment-failed':
    'Not delivered to Instagram: Instagram did not accept this file (images up to 8 MB; video, audio and PDF up to 25 MB).',
  'invalid-parameter': 'Not delivered to Instagram: Instagram refused the message as invalid.',
  'policy-blocked':
    'Not delivered to Instagram: Instagram is temporarily blocking messages from this account (policy restriction).',
  disconnected: 'Not delivered to Instagram: this Instagram account is disconnected from LiveChat.',
  'held-reconnect':
    'Not delivered to Instagram yet: the connection to the Instagram account expired, was revoked or lost a permission. Replies in this chat are kept and sent in order as soon as an admin reconnects the account in the app settings (kept up to 24 hours).',
  'held-expired':
    'Not delivered to Instagram: the Instagram account was not reconnected within 24 hours, so this reply was dropped. Please resend after reconnecting.',
  'gave-up':
    'Not delivered to Instagram after repeated attempts (Instagram did not answer or kept rate limiting). Please resend.',
} as const;

export type NoticeKey = keyof typeof NOTICES;

export function noticeText(key: NoticeKey): string {
  return `⚠️ ${NOTICES[key]}`;
}
