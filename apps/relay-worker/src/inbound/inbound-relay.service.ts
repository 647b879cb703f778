import { Injectable } from '@nestjs/common';
import { ConnectedAccount, heldFor, installationHolder } from '@app/credentials';
import { parseInstagramMessagingItem } from '@app/meta-graph';
import { kindOf } from '@app/platform';
import { InstagramInboundWork } from '@app/queues';
import { CustomerSessions } from './customer-session.service';
import { InboundClaimStep } from './inbound-claim.step';
import { InboundDeliverStep } from './inbound-deliver.step';
import { InboundEchoStep } from './inbound-echo.step';
import type { InboundOutcome } from './inbound-outcome';
import { InboundRecordStep } from './inbound-record.step';
import { InboundRenderStep } from './inbound-render.step';
import { opensMessagingWindow } from './inbound-render.util';
import { InboundResolveStep } from './inbound-resolve.step';
import { InboundSeenStep } from './inbound-seen.step';

/**
 * Instagram item → LiveChat, as a pipeline: resolve the account, claim the item with its
 * conversation, render it, deliver it into the customer's chat, record where it landed. Exactly
 * once: the link is claimed before sending, every event carries the item's key as custom_id, and
 * a retry after a crash looks for those events before sending again.
 */
@Injectable()
export class InboundRelayService {
  constructor(
    private readonly resolve: InboundResolveStep,
    private readonly echoes: InboundEchoStep,
    private readonly seen: InboundSeenStep,
    private readonly claims: InboundClaimStep,
    private readonly sessions: CustomerSessions,
    private readonly renderer: InboundRenderStep,
    private readonly delivery: InboundDeliverStep,
    private readonly recorder: InboundRecordStep,
  ) {}

  async relay(job: InstagramInboundWork): Promise<InboundOutcome> {
    const connected = await this.resolve.account(job);
    if (typeof connected === 'string') {
      return connected;
    }
    try {
      return await this.relayConnected(connected, job);
    } catch (error) {
      // LiveChat refused even a refreshed grant: the item waits for the admin to reinstall.
      if (error instanceof Error && kindOf(error) === 'auth') {
        throw heldFor(error, installationHolder(connected.installation.id));
      }
      throw error;
    }
  }

  private async relayConnected(
    connected: ConnectedAccount,
    job: InstagramInboundWork,
  ): Promise<InboundOutcome> {
    const item = parseInstagramMessagingItem(job.item);
    if (item.kind === 'echo' && (await this.echoes.isOwn(connected, job.igsid, item))) {
      return 'own-echo';
    }
    if (item.kind === 'read') {
      return this.seen.markSeen(connected, job.igsid, item.timestamp);
    }
    const windowAt = opensMessagingWindow(item) ? new Date(item.timestamp) : null;
    const claim = await this.claims.claim(connected, job, windowAt);
    if (claim.link.state === 'done') {
      return 'duplicate';
    }
    const session = await this.sessions.open(connected.installation, claim.conversation);
    const events = await this.renderer.render(connected, session, item, job.itemKey);
    if (events.length === 0) {
      await this.claims.release(connected, claim);
      return 'dropped-empty';
    }
    if (!(await this.resolve.stillRelaying(connected))) {
      await this.claims.release(connected, claim);
      return 'dropped-disconnected';
    }
    const delivered = await this.delivery.deliver(
      connected,
      claim.conversation,
      session,
      events,
      job.itemKey,
      claim.created,
    );
    await this.recorder.record(connected, job, claim, delivered);
    return 'relayed';
  }
}
