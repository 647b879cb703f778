import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { QueueName, RetentionSweepJob, scheduledJobIds, TokenHealthJob } from '@app/queues';
import { Queue } from 'bull';
import { WatchdogTickService } from '../watchdog/watchdog-tick.service';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

interface Schedule<T> {
  jobId: string;
  every: number;
  data: T;
}

/** Fixed job ids: every cleanup worker registers the same repeatables, Bull keeps one of each. */
export const RETENTION_SCHEDULE: ReadonlyArray<Schedule<RetentionSweepJob>> = [
  { jobId: scheduledJobIds.sweepMessageLinks, every: HOUR_MS, data: { sweep: 'message-links' } },
  { jobId: scheduledJobIds.sweepFailedJobs, every: HOUR_MS, data: { sweep: 'failed-jobs' } },
  {
    jobId: scheduledJobIds.sweepDeletionRequests,
    every: HOUR_MS,
    data: { sweep: 'deletion-requests' },
  },
  { jobId: scheduledJobIds.sweepConversations, every: DAY_MS, data: { sweep: 'conversations' } },
];

/** LiveChat refresh-ahead, Instagram Login token refresh, and the watchdog tick (its interval follows WATCHDOG_INTERVAL_SECONDS). */
export function tokenHealthSchedule(
  watchdogTickMs: number,
): ReadonlyArray<Schedule<TokenHealthJob>> {
  return [
    {
      jobId: scheduledJobIds.livechatRefresh,
      every: 10 * MINUTE_MS,
      data: { check: 'livechat-refresh' },
    },
    { jobId: scheduledJobIds.watchdogTick, every: watchdogTickMs, data: { check: 'watchdog' } },
    // Instagram Login tokens live 60 days and are refreshed 20 days ahead: a few runs a day leave
    // weeks of retries before one could expire.
    {
      jobId: scheduledJobIds.instagramRefresh,
      every: 6 * HOUR_MS,
      data: { check: 'instagram-refresh' },
    },
  ];
}

/**
 * Registers the sweeps and token checks as Bull repeatable jobs when the worker starts, and
 * removes repeatables whose interval changed or that are no longer scheduled (so a deploy never
 * leaves two schedules, or an old one).
 */
@Injectable()
export class CleanupScheduleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CleanupScheduleService.name);

  constructor(
    @InjectQueue(QueueName.RETENTION_SWEEP) private readonly sweeps: Queue<RetentionSweepJob>,
    @InjectQueue(QueueName.TOKEN_HEALTH) private readonly health: Queue<TokenHealthJob>,
    private readonly ticks: WatchdogTickService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.register(this.sweeps, RETENTION_SCHEDULE);
    await this.register(this.health, tokenHealthSchedule(this.ticks.tickMs));
  }

  private async register<T>(queue: Queue<T>, schedule: ReadonlyArray<Schedule<T>>): Promise<void> {
    const wanted = new Map(schedule.map((s) => [s.jobId, s.every]));
    for (const existing of await queue.getRepeatableJobs()) {
      const every = existing.id ? wanted.get(existing.id) : undefined;
      if (every === undefined || Number(existing.every) !== every) {
        await queue.removeRepeatableByKey(existing.key);
      }
    }
    for (const s of schedule) {
      await queue.add(s.data, {
        jobId: s.jobId,
        repeat: { every: s.every },
        attempts: 3,
        removeOnComplete: true,
      });
    }
    this.logger.log({
      msg: 'cleanup schedule registered',
      queue: queue.name,
      jobs: schedule.length,
    });
  }
}
