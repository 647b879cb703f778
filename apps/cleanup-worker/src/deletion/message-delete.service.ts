import { Injectable, Logger } from '@nestjs/common';
import { MESSAGE_DELETE_PROMISE_MS } from '@app/app-wiring';
import { LiveChatCredentialsService } from '@app/credentials';
import { CustomerChatClient, isLiveChatApiError } from '@app/livechat-sdk';
import {
  DeletionRequestRepository,
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
  LinkedMessage,
  MessageLinkRepository,
} from '@app/persistence';
import { inboundCustomIds, InstagramMessageDeleteJob, itemKeys } from '@app/queues';
import { messageOf } from '../common/error-message.util';

export type MessageDeleteOutcome =
  | 'deleted'
  | 'remembered'
  | 'refused'
  | 'not-in-livechat'
  | 'business-message'
  | 'dropped-unknown-account'
  | 'uninstalled';

/**
 * An Instagram message its author deleted (`is_deleted`): the promise is recorded first (a
 * deletion_requests row, due 30 days after the delete reached us), then applied with the
 * customer-side `delete_event` on every LiveChat event the message became, and the link is
 * forgotten. A delete that overtakes its message stays recorded; the relay applies it when the
 * message lands, and the hourly sweep covers any gap. Transient failures throw (Bull retries,
 * then the sweep re-queues until the promise falls due, alerting before).
 */
@Injectable()
export class MessageDeleteService {
  private readonly logger = new Logger(MessageDeleteService.name);

  constructor(
    private readonly accounts: InstagramAccountRepository,
    private readonly installations: InstallationRepository,
    private readonly deletions: DeletionRequestRepository,
    private readonly links: MessageLinkRepository,
    private readonly credentials: LiveChatCredentialsService,
    private readonly chats: CustomerChatClient,
  ) {}

  async handle(job: InstagramMessageDeleteJob): Promise<MessageDeleteOutcome> {
    const account = await this.accounts.findByInstagramId(job.instagramAccountId);
    if (!account) {
      this.logger.warn({
        msg: 'message delete for an unknown account dropped',
        instagramAccountId: job.instagramAccountId,
      });
      return 'dropped-unknown-account';
    }
    const installation = await this.installations.findById(account.installationId);
    if (!installation) {
      return 'dropped-unknown-account';
    }
    const itemKey = itemKeys.message(job.instagramMessageId);
    const request = await this.deletions.requestMessageDelete({
      instagramAccountId: account.id,
      itemKey,
      dueAt: new Date(job.acceptedAt + MESSAGE_DELETE_PROMISE_MS),
    });
    if (installation.status === 'uninstalled') {
      // No grant to act with. Kept on record: if LiveChat does not confirm the uninstall and the
      // installation is restored, the sweep applies it; if it is purged, the record goes too.
      return 'uninstalled';
    }
    // Read the link only now that the promise is on record: the relay, completing the message
    // after this read, finds the record and queues the delete itself.
    const message = await this.deletions.linkWithConversation(installation.id, account.id, itemKey);
    if (!message || message.state !== 'done') {
      return request.status === 'pending' ? 'remembered' : 'not-in-livechat';
    }
    if (message.direction === 'outbound') {
      // The business unsent its own message: in LiveChat it is the agent's event, which a
      // customer token cannot delete. The link stays (echoes of it are recognised by it).
      await this.deletions.markDone(
        request.id,
        'Sent by the business; the agent event stays in LiveChat.',
      );
      return 'business-message';
    }
    const outcome = await this.deleteInLiveChat(installation, itemKey, message);
    if (outcome === 'refused') {
      await this.deletions.markFailed(request.id, 'LiveChat refused to delete the event.');
      return outcome;
    }
    await this.links.deleteById(installation.id, message.linkId);
    await this.deletions.markDone(
      request.id,
      outcome === 'deleted' ? 'Deleted in LiveChat.' : 'Nothing in LiveChat to delete.',
    );
    return outcome;
  }

  private async deleteInLiveChat(
    installation: InstallationEntity,
    itemKey: string,
    message: LinkedMessage,
  ): Promise<'deleted' | 'not-in-livechat' | 'refused'> {
    if (!message.livechatCustomerId || !message.chatId) {
      return 'not-in-livechat';
    }
    const customerId = message.livechatCustomerId;
    const chatId = message.chatId;
    let token = (await this.credentials.customer(installation.id, customerId)).token;
    const call = async <T>(run: (t: string) => Promise<T>): Promise<T> => {
      try {
        return await run(token);
      } catch (error) {
        if (isLiveChatApiError(error) && error.kind === 'auth') {
          // The cached customer token died: mint a fresh one once.
          await this.credentials.forgetCustomer(installation.id, customerId);
          token = (await this.credentials.customer(installation.id, customerId, { fresh: true }))
            .token;
          return run(token);
        }
        throw error;
      }
    };

    const targets = await this.eventsOf(installation, chatId, itemKey, message, call);
    if (targets.length === 0) {
      return 'not-in-livechat';
    }
    for (const target of targets) {
      try {
        await call((t) =>
          this.chats.deleteEvent(t, installation.organizationId, {
            chatId,
            threadId: target.threadId,
            eventId: target.eventId,
          }),
        );
      } catch (error) {
        if (
          isLiveChatApiError(error) &&
          (error.status === 404 || error.vendorType === 'not_found')
        ) {
          continue; // already deleted
        }
        if (isLiveChatApiError(error) && error.kind === 'permanent') {
          this.logger.error({
            msg: 'LiveChat refused to delete an event of a deleted Instagram message',
            installationId: installation.id,
            reason: messageOf(error),
          });
          return 'refused';
        }
        throw error;
      }
    }
    return 'deleted';
  }

  /**
   * Every event the message became (a message with several attachments is several events, each
   * with the item's key as custom_id), found in its thread; the link's last event otherwise.
   */
  private async eventsOf(
    installation: InstallationEntity,
    chatId: string,
    itemKey: string,
    message: LinkedMessage,
    call: <T>(run: (t: string) => Promise<T>) => Promise<T>,
  ): Promise<Array<{ threadId: string; eventId: string }>> {
    try {
      const chat = await call((t) =>
        this.chats.getChat(t, installation.organizationId, {
          chatId,
          ...(message.threadId ? { threadId: message.threadId } : {}),
        }),
      );
      const thread = chat.thread;
      if (thread) {
        const found = thread.events
          .filter((e) => inboundCustomIds.isOf(e.customId, itemKey))
          .map((e) => ({ threadId: thread.id, eventId: e.id }));
        if (found.length > 0) {
          return found;
        }
        if (message.eventId && !message.threadId) {
          return [{ threadId: thread.id, eventId: message.eventId }];
        }
      }
    } catch (error) {
      if (!(isLiveChatApiError(error) && error.kind === 'permanent')) {
        throw error;
      }
    }
    return message.eventId && message.threadId
      ? [{ threadId: message.threadId, eventId: message.eventId }]
      : [];
  }
}
