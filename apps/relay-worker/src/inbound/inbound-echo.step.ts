import { Injectable } from '@nestjs/common';
import { ConnectedAccount, EchoEvidenceService } from '@app/credentials';
import { InstagramMessagingItem } from '@app/meta-graph';
import { MessageLinkRepository } from '@app/persistence';
import { DeferJobError, itemKeys } from '@app/queues';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import { OutboundSendMarker } from './outbound-send-marker';

type Echo = Extract<InstagramMessagingItem, { kind: 'echo' }>;

/**
 * Echoes: Instagram tells us about every message the business sends, ours included. Our own
 * (sent by our app, or recorded as an outbound link) are not relayed back to LiveChat; the
 * business's replies from the Instagram app are.
 */
@Injectable()
export class InboundEchoStep {
  constructor(
    private readonly links: MessageLinkRepository,
    private readonly outboundMarker: OutboundSendMarker,
    private readonly echoes: EchoEvidenceService,
    private readonly env: RelayWorkerEnv,
  ) {}

  /** True when the echo is of our own send (and ends here); defers while a send is in flight. */
  async isOwn(connected: ConnectedAccount, igsid: string, item: Echo): Promise<boolean> {
    const { account, installation } = connected;
    // Our app on either path: the Meta app (Page) or the Instagram app (Instagram Login).
    if (
      item.appId !== undefined &&
      (item.appId === this.env.META_APP_ID || item.appId === this.env.META_INSTAGRAM_APP_ID)
    ) {
      // Current gateways record these and queue none: this is an echo an older gateway queued
      // (a rolling deploy, or its backlog). Evidence for a reply whose send outcome we may not have
      // recorded (see EchoEvidenceService).
      const fp = this.echoes.fingerprintOfEcho(item.content);
      if (fp) {
        await this.echoes.record(account.instagramAccountId, igsid, item.mid, fp, item.timestamp);
      }
      return true;
    }
    if (await this.outboundMarker.isSending(account.instagramAccountId, igsid)) {
      // Our Send API call may have produced this echo and not yet recorded its id.
      throw new DeferJobError(300, 'an outbound send to this user is in flight');
    }
    const own = await this.links.findByInstagramId(
      installation.id,
      account.id,
      itemKeys.message(item.mid),
    );
    return own?.direction === 'outbound';
  }
}
