import { Injectable } from '@nestjs/common';
import { InstagramAccountRepository, MessageLinkRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import { itemKeys } from '@app/queues';
import { LastRelayedThrottle } from '../inbound/last-relayed-throttle';
import { OutboundTarget } from './outbound-pipeline.types';

/**
 * Record: a sent part's Instagram message id on its claim (the claim is done; echoes and deletes
 * find the reply by it), and, once the whole reply went, the relay's latency and the account's
 * "last relayed" time (at most every 30 s).
 */
@Injectable()
export class OutboundRecordStep {
  constructor(
    private readonly links: MessageLinkRepository,
    private readonly accounts: InstagramAccountRepository,
    private readonly lastRelayed: LastRelayedThrottle,
    private readonly metrics: Metrics,
  ) {}

  async sent(target: OutboundTarget, linkId: string, messageId: string): Promise<void> {
    await this.links.completeOutbound(target.installation.id, linkId, itemKeys.message(messageId));
  }

  async replied(target: OutboundTarget, acceptedAt: number): Promise<void> {
    this.metrics.relayLatency.observe({ direction: 'outbound' }, (Date.now() - acceptedAt) / 1000);
    if (this.lastRelayed.take(target.account.id)) {
      await this.accounts.touchRelayed(target.installation.id, target.account.id, new Date());
    }
  }
}
