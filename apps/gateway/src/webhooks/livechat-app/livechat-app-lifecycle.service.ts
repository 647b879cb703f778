import { Injectable, Logger } from '@nestjs/common';
import { cleanupJobIds, enqueueFresh } from '@app/app-wiring';
import { ConnectionSignals } from '@app/credentials';
import { LiveChatAppWebhook } from '@app/livechat-sdk';
import { InstallationRepository, LifecycleRepository } from '@app/persistence';
import { JobProducer, QueueName } from '@app/queues';
import { GatewayEnv } from '../../config/gateway.env';

export type AppWebhookOutcome =
  'license-recorded' | 'uninstall-queued' | 'unknown-organization' | 'ignored-event';

/**
 * LiveChat app webhooks. `application_uninstalled` carries no signature, so it only triggers:
 * the installation stops relaying at once (status `uninstalled`, and the connections generation
 * bumped before the answer, so no relay worker trusts its cache), and the cleanup worker asks LiveChat to confirm before anything is revoked or
 * purged; an uninstall LiveChat does not confirm is undone.
 */
@Injectable()
export class LiveChatAppLifecycleService {
  private readonly logger = new Logger(LiveChatAppLifecycleService.name);

  constructor(
    private readonly installations: InstallationRepository,
    private readonly lifecycle: LifecycleRepository,
    private readonly producer: JobProducer,
    private readonly env: GatewayEnv,
    private readonly signals: ConnectionSignals,
  ) {}

  async accept(webhook: LiveChatAppWebhook, correlationId: string): Promise<AppWebhookOutcome> {
    switch (webhook.event) {
      case 'application_installed':
        return this.installed(webhook);
      case 'application_uninstalled':
        return this.uninstalled(webhook, correlationId);
      default:
        return 'ignored-event';
    }
  }

  /** Installs come with tokens through the install flow; the webhook adds the license number. */
  private async installed(webhook: LiveChatAppWebhook): Promise<AppWebhookOutcome> {
    if (webhook.licenseId === undefined) {
      return 'ignored-event';
    }
    const installation = await this.installations.findByOrganization(webhook.organizationId);
    await this.installations.setLicenseId(webhook.organizationId, webhook.licenseId);
    return installation ? 'license-recorded' : 'unknown-organization';
  }

  private async uninstalled(
    webhook: LiveChatAppWebhook,
    correlationId: string,
  ): Promise<AppWebhookOutcome> {
    const installation = await this.installations.findByOrganization(webhook.organizationId);
    if (!installation) {
      return 'unknown-organization';
    }
    const state = await this.lifecycle.markUninstalled(
      installation.id,
      new Date(Date.now() + this.env.PURGE_DELAY_SECONDS * 1000),
    );
    if (!state) {
      return 'unknown-organization';
    }
    // Before the answer: no worker relays for it from now on, whatever its caches hold.
    await this.signals.changed();
    await enqueueFresh(
      this.producer,
      QueueName.TOKEN_REVOCATION,
      {
        correlationId,
        acceptedAt: Date.now(),
        installationId: installation.id,
        reason: 'uninstalled',
      },
      { jobId: cleanupJobIds.revocation(installation.id, undefined, state.uninstalledAt) },
    );
    this.logger.log({
      msg: state.changed
        ? 'uninstall webhook: relaying stopped, confirmation with LiveChat queued'
        : 'uninstall webhook again: confirmation with LiveChat queued',
      installationId: installation.id,
      correlationId,
    });
    return 'uninstall-queued';
  }
}
