import { Injectable } from '@nestjs/common';
import {
  DeletionRequestRepository,
  GroupCommit,
  LiveChatEventRef,
  MessageLinkRepository,
} from '@app/persistence';

export interface LandedItem {
  installationId: string;
  /** Our instagram_accounts row id. */
  accountId: string;
  linkId: string;
  conversationId: string;
  itemKey: string;
  ref: LiveChatEventRef;
  /** The account's "last relayed" time, when due (LastRelayedThrottle). */
  touchAt: Date | null;
}

/**
 * Landed inbound items recorded by group commit (GroupCommit): the items delivered while a batch
 * is in flight go together in the next, as two statements for the whole batch instead of two per
 * item. First every claim done (one statement, committed), then which of them their author
 * deleted meanwhile (a second statement, after the first committed: the delete handler writes
 * its request and then reads the link, so one of the two sees the other; in one snapshot both
 * could miss). Each item resolves with whether its delete was asked for.
 */
@Injectable()
export class InboundRecordBatch {
  private readonly commits: GroupCommit<LandedItem, boolean>;

  constructor(links: MessageLinkRepository, deletionRequests: DeletionRequestRepository) {
    this.commits = new GroupCommit<LandedItem, boolean>(async (items) => {
      const touch = new Map<string, { installationId: string; id: string; at: Date }>();
      for (const item of items) {
        if (item.touchAt) {
          touch.set(item.accountId, {
            installationId: item.installationId,
            id: item.accountId,
            at: item.touchAt,
          });
        }
      }
      await links.completeInboundMany(
        items.map((item) => ({
          installationId: item.installationId,
          id: item.linkId,
          conversationId: item.conversationId,
          ref: item.ref,
        })),
        // In one order: two processes' batches touching the same accounts cannot deadlock.
        [...touch.values()].sort((a, b) => a.id.localeCompare(b.id)),
      );
      const deleted = await deletionRequests.messageDeletesRequested(
        items.map((item) => ({ instagramAccountId: item.accountId, itemKey: item.itemKey })),
      );
      return items.map((_, i) => deleted.has(i));
    });
  }

  /** Resolves once the item is recorded: true when its author asked for it to be deleted. */
  record(item: LandedItem): Promise<boolean> {
    return this.commits.submit(item);
  }
}
