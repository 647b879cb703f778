import { Injectable } from '@nestjs/common';
import { ConnectedAccount, RelayError } from '@app/credentials';
import {
  ConversationEntity,
  ConversationRepository,
  GroupCommit,
  InboundClaimResult,
  InboundLinkKey,
  MessageLinkEntity,
  MessageLinkRepository,
} from '@app/persistence';
import { InstagramInboundWork } from '@app/queues';

export interface InboundClaim {
  conversation: ConversationEntity;
  link: MessageLinkEntity;
  /** False when an earlier attempt claimed the item: some of its events may be in LiveChat. */
  created: boolean;
}

/**
 * Step 2: the item's claim in message_links (exactly once: the unique key makes a redelivery or a
 * retry find it) with its conversation, in one statement shared with the claims other jobs ask
 * for meanwhile (GroupCommit); on first contact the conversation is created, then claimed in.
 */
@Injectable()
export class InboundClaimStep {
  private readonly commits: GroupCommit<
    { key: InboundLinkKey; windowAt: Date | null },
    InboundClaimResult | null
  >;

  constructor(
    private readonly conversations: ConversationRepository,
    private readonly links: MessageLinkRepository,
  ) {
    this.commits = new GroupCommit((items) => links.claimInboundMany(items));
  }

  /**
   * `windowAt`: when the item opens the messaging window. It opens when the customer writes, not
   * when LiveChat has the message: recorded with the claim, before delivery, so an agent
   * answering the instant the chat appears is not refused.
   */
  async claim(
    connected: ConnectedAccount,
    job: InstagramInboundWork,
    windowAt: Date | null,
  ): Promise<InboundClaim> {
    const { installation, account } = connected;
    const key = {
      installationId: installation.id,
      instagramAccountId: account.id,
      igsid: job.igsid,
      instagramMessageId: job.itemKey,
    };
    const claimed = await this.commits.submit({ key, windowAt });
    if (claimed) {
      return claimed;
    }
    await this.conversations.findOrCreate(installation.id, account.id, job.igsid);
    const retried = await this.links.claimInboundWithConversation(key, windowAt);
    if (!retried) {
      // Only a purge running at this very moment removes a conversation just created.
      throw new RelayError(
        'retryable',
        'the conversation was removed while the item was claimed',
        'conversation_removed',
      );
    }
    return retried;
  }

  /** Gives the claim up: the item ends without reaching LiveChat (nothing to send, or too late). */
  async release(connected: ConnectedAccount, claim: InboundClaim): Promise<void> {
    await this.links.deleteById(connected.installation.id, claim.link.id);
  }
}
