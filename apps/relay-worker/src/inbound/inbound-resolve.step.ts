import { Injectable, Logger } from '@nestjs/common';
import {
  ConnectedAccount,
  heldFor,
  installationHolder,
  InstagramAccountDirectory,
  RelayError,
} from '@app/credentials';
import { InstagramInboundWork } from '@app/queues';
import type { InboundOutcome } from './inbound-outcome';

/**
 * Step 1: the business account an item is for, and its LiveChat installation. An item for an
 * account we do not know, or one that stopped relaying, ends here; one whose installation lost
 * its grant waits (held) until an admin reinstalls.
 */
@Injectable()
export class InboundResolveStep {
  private readonly logger = new Logger(InboundResolveStep.name);

  constructor(private readonly directory: InstagramAccountDirectory) {}

  /** The connected account, or the outcome that ends the item here. */
  async account(job: InstagramInboundWork): Promise<ConnectedAccount | InboundOutcome> {
    const connected = await this.directory.find(job.instagramAccountId);
    if (!connected) {
      this.logger.warn({
        msg: 'instagram item for an unknown account dropped',
        instagramAccountId: job.instagramAccountId,
        correlationId: job.correlationId,
      });
      return 'dropped-unknown-account';
    }
    const { account, installation } = connected;
    if (account.status === 'disconnected' || installation.status === 'uninstalled') {
      return 'dropped-disconnected';
    }
    if (installation.status === 'needs_reauth') {
      throw heldFor(
        new RelayError(
          'auth',
          'the LiveChat installation needs to be reinstalled',
          'installation_needs_reauth',
        ),
        installationHolder(installation.id),
      );
    }
    return connected;
  }

  /** Just before sending: uninstalled or disconnected while the item was on its way? */
  stillRelaying(connected: ConnectedAccount): Promise<boolean> {
    return this.directory.stillRelaying(connected.account.instagramAccountId);
  }
}
