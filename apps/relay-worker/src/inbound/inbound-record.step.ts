import { Injectable } from '@nestjs/common';
import { enqueueDeleteIfRequested } from '@app/app-wiring';
import { ConnectedAccount } from '@app/credentials';
import { DeletionRequestRepository, MessageLinkRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import { InstagramInboundWork, JobProducer } from '@app/queues';
import { InboundClaim } from './inbound-claim.step';
import { DeliveredItem } from './inbound-deliver.step';
import { LastRelayedThrottle } from './last-relayed-throttle';
import { OwnChatRegistry } from './own-chat-registry.service';

/**
 * Step 5: where the item landed, recorded: the chat as ours (for the gateway), the link done with
 * the chat and thread when they changed and "last relayed" when due (one statement), then a
 * delete its author asked for meanwhile handed to the cleanup worker.
 */
@Injectable()
export class InboundRecordStep {
  constructor(
    private readonly links: MessageLinkRepository,
    private readonly deletionRequests: DeletionRequestRepository,
    private readonly producer: JobProducer,
    private readonly ownChats: OwnChatRegistry,
    private readonly lastRelayed: LastRelayedThrottle,
    private readonly metrics: Metrics,
  ) {}

  async record(
    connected: ConnectedAccount,
    job: InstagramInboundWork,
    claim: InboundClaim,
    delivered: DeliveredItem,
  ): Promise<void> {
    const { account, installation } = connected;
    // Before the chat is recorded: the gateway then accepts its agents' replies (OwnChatRegistry).
    await this.ownChats.remember(installation.organizationId, delivered.chatId);
    await this.links.completeInbound(
      installation.id,
      claim.link.id,
      claim.conversation.id,
      delivered,
      this.lastRelayed.take(account.id) ? { id: account.id, at: new Date() } : null,
    );
    // Its author may have deleted it already (the delete overtook it): the cleanup worker applies
    // it. Read after the link is done, not in the same statement: the delete handler writes its
    // request and then reads the link, so one of the two sees the other; in one snapshot both
    // could miss.
    await enqueueDeleteIfRequested(this.deletionRequests, this.producer, {
      accountId: account.id,
      instagramAccountId: account.instagramAccountId,
      igsid: job.igsid,
      itemKey: job.itemKey,
      correlationId: job.correlationId,
    });
    this.metrics.relayLatency.observe(
      { direction: 'inbound' },
      (Date.now() - job.acceptedAt) / 1000,
    );
  }
}
