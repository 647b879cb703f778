import { Inject, Injectable, Logger } from '@nestjs/common';
import { CREDENTIALS_OPTIONS, CREDENTIALS_REDIS, CredentialsOptions } from '@app/credentials';
import { ALL_QUEUES, JobProducer, redisKeyFamilyOf } from '@app/queues';
import type { Job, JobStatus } from 'bull';
import type { Redis } from 'ioredis';

/** Job states a purge may remove from (an active job holds a lock: it finishes on its own). */
const REMOVABLE_STATES: JobStatus[] = ['waiting', 'delayed', 'paused', 'failed', 'completed'];
const PAGE = 500;

/**
 * Removes from Redis whatever names one of a purge's ids: keys of the families in
 * `REDIS_KEY_FAMILIES` (cached customer tokens, order indexes, locks and markers, by key name), and queued or failed jobs (by job id or payload; failed jobs
 * hold message text). Key names are matched on whole `:`/`.`-separated segments, so an id never
 * matches inside another.
 */
@Injectable()
export class RedisJanitor {
  private readonly logger = new Logger(RedisJanitor.name);

  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
    private readonly producer: JobProducer,
  ) {}

  async clean(
    ids: readonly string[],
    exceptJobId?: string,
  ): Promise<{ keys: number; jobs: number }> {
    const wanted = new Set(ids.filter((id) => id.length > 0));
    if (wanted.size === 0) {
      return { keys: 0, jobs: 0 };
    }
    const jobs = await this.removeJobs(wanted, exceptJobId);
    const keys = await this.removeKeys(wanted);
    return { keys, jobs };
  }

  private async removeJobs(wanted: Set<string>, exceptJobId?: string): Promise<number> {
    let removed = 0;
    for (const name of ALL_QUEUES) {
      const queue = this.producer.queue(name);
      const doomed: Job[] = [];
      for (const state of REMOVABLE_STATES) {
        for (let start = 0; ; start += PAGE) {
          const page = await queue.getJobs([state], start, start + PAGE - 1, true);
          for (const job of page) {
            if (job && String(job.id) !== exceptJobId && this.references(job, wanted)) {
              doomed.push(job);
            }
          }
          if (page.length < PAGE) {
            break;
          }
        }
      }
      for (const job of doomed) {
        try {
          await job.remove();
          removed += 1;
        } catch {
          // It started meanwhile (locked): it runs against data that is gone and finishes.
          this.logger.debug({ msg: 'job not removed: it is running', queue: name, jobId: job.id });
        }
      }
    }
    return removed;
  }

  private references(job: Job, wanted: Set<string>): boolean {
    if (segments(String(job.id)).some((s) => wanted.has(s))) {
      return true;
    }
    const json = JSON.stringify(job.data ?? {});
    for (const id of wanted) {
      if (json.includes(`"${id}"`)) {
        return true;
      }
    }
    return false;
  }

  private async removeKeys(wanted: Set<string>): Promise<number> {
    const prefix = this.options.redisPrefix;
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
      cursor = next;
      // Only the families of redis-keys.ts: Bull's own keys are handled job by job above.
      const doomed = keys.filter(
        (key) =>
          redisKeyFamilyOf(prefix, key) !== undefined &&
          segments(key.slice(prefix.length + 1)).some((s) => wanted.has(s)),
      );
      if (doomed.length > 0) {
        removed += await this.redis.unlink(...doomed);
      }
    } while (cursor !== '0');
    return removed;
  }
}

function segments(value: string): string[] {
  return value.split(/[:.]/);
}
