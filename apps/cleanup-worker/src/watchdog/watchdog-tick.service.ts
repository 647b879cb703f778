import { Injectable, Logger } from '@nestjs/common';
import { AccountHealthRepository } from '@app/persistence';
import { cleanupJobIds, JobProducer, QueueName } from '@app/queues';
import { randomUUID } from 'node:crypto';
import { CleanupMetrics } from '../common/cleanup-metrics';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';
import { nextSlot, tickMsFor } from './watchdog-phase.util';

const BATCH = 500;
/** One tick claims at most this many batches; the rest are claimed by the next tick. */
const MAX_BATCHES = 20;

/**
 * The watchdog's repeatable tick (every tenth of WATCHDOG_INTERVAL_SECONDS, 1–30 s): claims the
 * accounts whose slot has come, moves each to its next slot one period later, and queues one check
 * per account (job id per slot: two workers or a retried tick never check an account twice).
 * Refreshes the watchdog gauges.
 */
@Injectable()
export class WatchdogTickService {
  private readonly logger = new Logger(WatchdogTickService.name);

  constructor(
    private readonly health: AccountHealthRepository,
    private readonly producer: JobProducer,
    private readonly metrics: CleanupMetrics,
    private readonly env: CleanupWorkerEnv,
  ) {}

  get periodMs(): number {
    return this.env.WATCHDOG_INTERVAL_SECONDS * 1000;
  }

  get tickMs(): number {
    return tickMsFor(this.periodMs);
  }

  async tick(): Promise<{ queued: number; scheduled: number }> {
    const period = this.periodMs;
    let queued = 0;
    let scheduled = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch += 1) {
      const claimed = await this.health.claimDue(
        new Date(),
        BATCH,
        (id) => new Date(nextSlot(id, Date.now(), period)),
      );
      await this.producer.addMany(
        QueueName.TOKEN_HEALTH,
        claimed.due.map((account) => ({
          data: {
            check: 'account' as const,
            accountId: account.id,
            installationId: account.installationId,
            correlationId: randomUUID(),
          },
          opts: {
            jobId: cleanupJobIds.watchdogCheck(account.id, account.dueAt),
            attempts: 1,
            removeOnComplete: true,
            removeOnFail: 100,
          },
        })),
      );
      queued += claimed.due.length;
      scheduled += claimed.scheduled;
      if (claimed.due.length + claimed.scheduled < BATCH) {
        break;
      }
    }
    await this.refreshGauges(period);
    if (queued > 0 || scheduled > 0) {
      this.logger.debug({ msg: 'watchdog tick', queued, scheduled });
    }
    return { queued, scheduled };
  }

  private async refreshGauges(period: number): Promise<void> {
    const counts = await this.health.countByState();
    for (const [state, n] of Object.entries(counts)) {
      this.metrics.watchdogAccounts.set({ state }, n);
    }
    const late = new Date(Date.now() - period - 2 * this.tickMs);
    this.metrics.watchdogOverdue.set(await this.health.countOverdue(late));
    this.metrics.watchdogLastTick.set(Date.now() / 1000);
  }
}
