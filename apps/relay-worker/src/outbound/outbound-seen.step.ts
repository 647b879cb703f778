import { Injectable, Logger } from '@nestjs/common';
import { MetaGraphClient } from '@app/meta-graph';
import { decideWindow } from './messaging-window.util';
import { OutboundOutcome, OutboundTarget } from './outbound-pipeline.types';
import { PageTokenCache } from './page-token-cache';

/** An agent read the chat: Instagram shows the customer "seen" (within the standard window). */
@Injectable()
export class OutboundSeenStep {
  private readonly logger = new Logger(OutboundSeenStep.name);

  constructor(
    private readonly graph: MetaGraphClient,
    private readonly pageTokens: PageTokenCache,
  ) {}

  async markSeen(target: OutboundTarget): Promise<OutboundOutcome> {
    const pageToken = this.pageTokens.tokenOf(target.account);
    const window = decideWindow(target.conversation.lastInboundAt, false, Date.now());
    if (!pageToken || !window.send) {
      return 'ignored';
    }
    try {
      await this.graph.forLogin(target.account.loginPath).sendSenderAction(pageToken, {
        recipientId: target.conversation.igsid,
        action: 'mark_seen',
      });
    } catch (error) {
      // A read receipt is not worth a retry.
      this.logger.debug({
        msg: 'mark_seen failed',
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    return 'seen';
  }
}
