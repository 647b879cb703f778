import { Injectable, Logger } from '@nestjs/common';
import { LiveChatCredentialsService } from '@app/connections';
import { LifecycleRepository } from '@app/persistence';
import { kindOf, messageOf } from '../common/job-runner.util';

/** Agent tokens expiring within this are refreshed ahead (the relay's own margin is 10 min). */
const REFRESH_AHEAD_MS = 30 * 60_000;
const BATCH = 200;

export type HealthResult = Record<string, number>;

/**
 * LiveChat token health: agent tokens close to expiry are refreshed now (through the
 * single-flight credentials service), so relays rarely wait on a refresh; a refused refresh marks
 * the installation as needing reinstall. Page tokens are checked per account by the connection
 * watchdog (watchdog/account-watchdog.service.ts), with the Page's subscription and the license's
 * LiveChat webhooks.
 */
@Injectable()
export class TokenHealthService {
  private readonly logger = new Logger(TokenHealthService.name);

  constructor(
    private readonly credentials: LiveChatCredentialsService,
    private readonly lifecycle: LifecycleRepository,
  ) {}

  async refreshLiveChat(): Promise<HealthResult> {
    const expiring = await this.lifecycle.listActiveExpiringBefore(
      new Date(Date.now() + REFRESH_AHEAD_MS),
      BATCH,
    );
    const result: HealthResult = { refreshed: 0, failed: 0 };
    for (const installation of expiring) {
      try {
        await this.credentials.agentToken(installation.id, { forceRefresh: true });
        result.refreshed += 1;
      } catch (error) {
        // An `auth` refusal already marked the installation needs_reauth; others retry next run.
        result.failed += 1;
        this.logger.warn({
          msg: 'livechat token refresh ahead of expiry failed',
          installationId: installation.id,
          kind: kindOf(error),
          reason: messageOf(error),
        });
      }
    }
    return result;
  }
}
