import { Injectable, Logger } from '@nestjs/common';
import { ConnectedAccount } from '@app/credentials';
import { CustomerChatClient } from '@app/livechat-sdk';
import { ConversationRepository } from '@app/persistence';
import { CustomerSessions } from './customer-session.service';

/**
 * Read receipts: the customer read the agent's messages up to a time. Marked in the customer's
 * chat when there is one; never retried into a storm.
 */
@Injectable()
export class InboundSeenStep {
  private readonly logger = new Logger(InboundSeenStep.name);

  constructor(
    private readonly conversations: ConversationRepository,
    private readonly sessions: CustomerSessions,
    private readonly chats: CustomerChatClient,
  ) {}

  async markSeen(connected: ConnectedAccount, igsid: string, timestamp: number): Promise<'seen'> {
    const { installation, account } = connected;
    const conversation = await this.conversations.findOrCreate(installation.id, account.id, igsid);
    const chatId = conversation.chatId;
    if (!chatId || !conversation.livechatCustomerId) {
      return 'seen';
    }
    const session = await this.sessions.open(installation, conversation);
    try {
      await this.sessions.call(session, (token, organizationId) =>
        this.chats.markEventsAsSeen(token, organizationId, {
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
