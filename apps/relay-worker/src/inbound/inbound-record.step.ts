import { Injectable } from '@nestjs/common';
import { enqueueLandedDelete } from '@app/app-wiring';
import { ConnectedAccount } from '@app/credentials';
import { Metrics } from '@app/platform';
import { InstagramInboundWork, JobProducer } from '@app/queues';
import { InboundClaim } from './inbound-claim.step';
import { DeliveredItem } from './inbound-deliver.step';
import { InboundRecordBatch } from './inbound-record-batch';
import { LastRelayedThrottle } from './last-relayed-throttle';
import { OwnChatRegistry } from './own-chat-registry.service';

/**
 * Step 5: where the item landed, recorded: the chat as ours (for the gateway), the link done with
 * the chat and thread when they changed and "last relayed" when due, then a delete its author
 * asked for meanwhile handed to the cleanup worker. The writes go by group commit with the items
 * other jobs delivered meanwhile (InboundRecordBatch).
 */
@Injectable()
export class InboundRecordStep {
  constructor(
    private readonly batch: InboundRecordBatch,
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
    const deleted = await this.batch.record({
      installationId: installation.id,
      accountId: account.id,
      linkId: claim.link.id,
      conversationId: claim.conversation.id,
      itemKey: job.itemKey,
      ref: delivered,
      touchAt: this.lastRelayed.take(account.id) ? new Date() : null,
    });
    if (deleted) {
      // Its author deleted it already (the delete overtook it): the cleanup worker applies it.
      await enqueueLandedDelete(this.producer, {
        instagramAccountId: account.instagramAccountId,
        igsid: job.igsid,
        itemKey: job.itemKey,
        correlationId: job.correlationId,
      });
    }
    this.metrics.relayLatency.observe(
      { direction: 'inbound' },
      (Date.now() - job.acceptedAt) / 1000,
    );
  }
}
