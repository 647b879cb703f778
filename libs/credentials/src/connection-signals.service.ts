import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobProducer, QueueName, redisKeys } from '@app/queues';
import type { Redis } from 'ioredis';
import {
  CREDENTIALS_OPTIONS,
  CREDENTIALS_REDIS,
  CredentialsOptions,
} from './credentials-redis.provider';

/** Who holds jobs back when its grant is gone: a LiveChat installation or an Instagram account. */
export type Holder = `installation:${string}` | `account:${string}`;

export const installationHolder = (installationId: string): Holder =>
  `installation:${installationId}`;
export const accountHolder = (accountId: string): Holder => `account:${accountId}`;

/** Queues whose jobs may wait for an admin (the relay's two ordered queues). */
type HoldingQueue = QueueName.INSTAGRAM_INBOUND | QueueName.LIVECHAT_INBOUND;
const HOLDING_QUEUES: readonly HoldingQueue[] = [
  QueueName.INSTAGRAM_INBOUND,
  QueueName.LIVECHAT_INBOUND,
];

/** A released holder: a job failing for it just now retries soon, not at its auth backoff. */
const RELEASED_MARK_MS = 10_000;
/** How long a release keeps trying to promote a job still finishing its failed attempt. */
const RELEASE_SETTLE_MS = 2_000;
/** Held-job sets outlive the longest wait of a held job (24 h) by a margin. */
const HELD_SET_TTL_MS = 26 * 3_600_000;

/**
 * Cross-process signals about connections, all in Redis:
 * - A generation, bumped whenever an installation or account changes state (uninstall,
 *   disconnect, deauthorize, reinstall, reconnect, a grant found dead). Caches of that state check
 *   it before use, so a change counts on every worker from the next message on, whatever the
 *   cache's age. One key for the deployment: changes are rare, and a reader needs no id to check.
 * - Held jobs: items waiting for an admin to reinstall or reconnect are recorded by holder and
 *   promoted the moment access is back, instead of at their next (minutes away) retry.
 */
@Injectable()
export class ConnectionSignals {
  private readonly logger = new Logger(ConnectionSignals.name);
  /** The generation read in flight, and the one callers arriving meanwhile wait for. */
  private reading?: Promise<string>;
  private nextRead?: Promise<string>;

  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
    private readonly producer: JobProducer,
  ) {}

  private key(name: string): string {
    return redisKeys.connectionSignal(this.options.redisPrefix, name);
  }

  /** Every process's cached connection state is stale from now on. */
  async changed(): Promise<void> {
    await this.redis.incr(this.key('gen'));
  }

  /**
   * The current generation (compare with the one a cached entry was read under), as of this call
   * or later. Concurrent callers share reads: a read already in flight may have been sent before
   * a change this caller must see, so a caller never joins it, only the next one, which all
   * callers arriving meanwhile share (one read per round trip, not one per message).
   */
  generation(): Promise<string> {
    if (!this.reading) {
      const read = this.redis
        .get(this.key('gen'))
        .then((value) => value ?? '0')
        .finally(() => {
          this.reading = undefined;
        });
      this.reading = read;
      return read;
    }
    this.nextRead ??= this.reading.then(
      () => this.startNextRead(),
      () => this.startNextRead(),
    );
    return this.nextRead;
  }

  private startNextRead(): Promise<string> {
    this.nextRead = undefined;
    return this.generation();
  }

  /**
   * Records a job that failed for want of the holder's grant. True when the holder was released
   * a moment ago (the job read the old state): it should retry at once rather than wait.
   */
  async hold(holder: Holder, queue: HoldingQueue, jobId: string): Promise<boolean> {
    const set = this.key(`held:${holder}`);
    // Order matters: recorded first, then the mark read, so a release either sees the job in
    // its set or has set the mark this reads.
    await this.redis.sadd(set, `${queue}|${jobId}`);
    await this.redis.pexpire(set, HELD_SET_TTL_MS);
    return (await this.redis.exists(this.key(`released:${holder}`))) === 1;
  }

  /** Which episode of lost access the holder is in (a notice is given once per episode). */
  async episode(holder: Holder): Promise<string> {
    return (await this.redis.get(this.key(`episode:${holder}`))) ?? '0';
  }

  /**
   * The first caller for this scope (e.g. a chat) in the holder's current episode of lost access
   * gets the episode (to key a one-time notice by); every later caller gets undefined.
   */
  async firstTime(holder: Holder, scope: string): Promise<string | undefined> {
    const episode = await this.episode(holder);
    const first = await this.redis.set(
      this.key(`told:${holder}:${episode}:${scope}`),
      '1',
      'PX',
      HELD_SET_TTL_MS,
      'NX',
    );
    return first === 'OK' ? episode : undefined;
  }

  /** Undoes `firstTime` when the notice could not be given (the next attempt tries again). */
  async forgetFirstTime(holder: Holder, scope: string, episode: string): Promise<void> {
    await this.redis.del(this.key(`told:${holder}:${episode}:${scope}`));
  }

  /**
   * Access is back (reinstalled, reconnected): caches are invalidated and the holder's waiting
   * jobs run now, each conversation's in order (the relay's order keeps the rest behind them).
   */
  async restored(holder: Holder): Promise<number> {
    await this.changed();
    await this.redis.incr(this.key(`episode:${holder}`));
    await this.redis.set(this.key(`released:${holder}`), '1', 'PX', RELEASED_MARK_MS);
    const set = this.key(`held:${holder}`);
    let pending = await this.redis.smembers(set);
    let promoted = 0;
    const deadline = Date.now() + RELEASE_SETTLE_MS;
    while (pending.length > 0) {
      const still: string[] = [];
      for (const member of pending) {
        const outcome = await this.promote(member);
        if (outcome === 'promoted') {
          promoted += 1;
        }
        if (outcome === 'running') {
          still.push(member);
        } else {
          await this.redis.srem(set, member);
        }
      }
      // A job still running may be finishing the failed attempt that held it: it lands in the
      // delayed set within milliseconds.
      if (still.length === 0 || Date.now() > deadline) {
        break;
      }
      pending = still;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (promoted > 0) {
      this.logger.log({ msg: 'held jobs released', holder, promoted });
    }
    return promoted;
  }

  private async promote(member: string): Promise<'promoted' | 'running' | 'gone'> {
    const [name, jobId] = member.split('|');
    const queue = HOLDING_QUEUES.find((q) => String(q) === name);
    if (!queue) {
      return 'gone';
    }
    const job = await this.producer.queue(queue).getJob(jobId);
    if (!job) {
      return 'gone';
    }
    const state = await job.getState();
    if (state === 'active') {
      return 'running';
    }
    if (state !== 'delayed') {
      return 'gone';
    }
    try {
      await job.promote();
      return 'promoted';
    } catch {
      return 'gone'; // started on its own meanwhile
    }
  }
}

/** Marks a failure as waiting for a holder's grant (the relay records the job as held). */
export function heldFor<E extends object>(error: E, holder: Holder): E & { heldFor: Holder } {
  return Object.assign(error, { heldFor: holder });
}

export function holderOf(error: unknown): Holder | undefined {
  if (error && typeof error === 'object' && 'heldFor' in error) {
    const holder = error.heldFor;
    return typeof holder === 'string' &&
      (holder.startsWith('installation:') || holder.startsWith('account:'))
      ? (holder as Holder)
      : undefined;
  }
  return undefined;
}
