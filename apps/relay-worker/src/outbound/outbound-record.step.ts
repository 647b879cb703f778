import { Injectable } from '@nestjs/common';
import { MessageLinkRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import { itemKeys } from '@app/queues';
import { LastRelayedThrottle } from '../inbound/last-relayed-throttle';
import { OutboundTarget } from './outbound-pipeline.types';
import { OutboundRecordBatch } from './outbound-record-batch';

/**
 * Record: a sent part's Instagram message id on its claim (the claim is done; echoes and deletes
 * find the reply by it), grouped with other parts sent meanwhile (OutboundRecordBatch), or, when
 * due, with the account's "last relayed" time; once the whole reply went, the relay's latency.
 */
@Injectable()
export class OutboundRecordStep {
  constructor(
    private readonly links: MessageLinkRepository,
    private readonly lastRelayed: LastRelayedThrottle,
    private readonly metrics: Metrics,
    private readonly batch: OutboundRecordBatch,
  ) {}

  async sent(target: OutboundTarget, linkId: string, messageId: string): Promise<void> {
    const { installation, account } = target;
    const key = itemKeys.message(messageId);
    if (this.lastRelayed.take(account.id)) {
      // At most once a minute per account: a statement of its own, with the account's time.
      await this.links.completeOutbound(installation.id, linkId, key, {
        id: account.id,
        at: new Date(),
      });
      return;
    }
    await this.batch.complete(installation.id, linkId, key);
  }

  replied(acceptedAt: number): void {
    this.metrics.relayLatency.observe({ direction: 'outbound' }, (Date.now() - acceptedAt) / 1000);
  }
}
