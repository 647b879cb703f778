import { Injectable } from '@nestjs/common';
import { MessageLinkRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import { itemKeys } from '@app/queues';
import { LastRelayedThrottle } from '../inbound/last-relayed-throttle';
import { OutboundTarget } from './outbound-pipeline.types';

/**
 * Record: a sent part's Instagram message id on its claim (the claim is done; echoes and deletes
 * find the reply by it) and, in the same statement when due, the account's "last relayed" time;
 * once the whole reply went, the relay's latency.
 */
@Injectable()
export class OutboundRecordStep {
  constructor(
    private readonly links: MessageLinkRepository,
    private readonly lastRelayed: LastRelayedThrottle,
    private readonly metrics: Metrics,
  ) {}

  async sent(target: OutboundTarget, linkId: string, messageId: string): Promise<void> {
    const { installation, account } = target;
    await this.links.completeOutbound(
      installation.id,
      linkId,
      itemKeys.message(messageId),
      this.lastRelayed.take(account.id) ? { id: account.id, at: new Date() } : null,
    );
  }

  replied(acceptedAt: number): void {
    this.metrics.relayLatency.observe({ direction: 'outbound' }, (Date.now() - acceptedAt) / 1000);
  }
}
