import { Injectable } from '@nestjs/common';
import {
  ConversationEntity,
  ConversationRepository,
  InstagramAccountRepository,
  InstallationRepository,
} from '@app/persistence';
import { DeferJobError, LiveChatInboundWork } from '@app/queues';
import { OutboundTarget } from './outbound-pipeline.types';

/** How long a webhook for an unknown chat waits for a just-started chat of ours to be recorded. */
const UNRECORDED_CHAT_WAIT_MS = 5_000;

/**
 * Resolve: the installation, conversation and account a webhook's chat belongs to — one query,
 * never cached, so a disconnect, an uninstall, a settings change or the customer's last message
 * (the messaging window) count from the very next webhook.
 */
@Injectable()
export class OutboundResolveStep {
  constructor(
    private readonly installations: InstallationRepository,
    private readonly conversations: ConversationRepository,
    private readonly accounts: InstagramAccountRepository,
  ) {}

  /**
   * Undefined when the chat is not ours (or its installation is gone). With `job` (an agent's
   * event), a chat not recorded yet may still be one we just started: see `recentChatOfOurs`.
   */
  async target(
    organizationId: string,
    chatId: string,
    job?: LiveChatInboundWork,
  ): Promise<OutboundTarget | undefined> {
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

  /** Records a chat's new thread (an `incoming_chat` webhook); false when the chat is not ours. */
  async recordThread(organizationId: string, chatId: string, threadId: string): Promise<boolean> {
    const target = await this.target(organizationId, chatId);
    if (!target) {
      return false;
    }
    if (threadId !== target.conversation.threadId) {
      await this.conversations.update(target.installation.id, target.conversation.id, {
        threadId,
      });
    }
    return true;
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
}
