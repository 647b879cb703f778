import { Logger } from '@nestjs/common';
import { kindOf, Metrics, withCorrelation } from '@app/platform';
import { Job, Queue } from 'bull';
import type { Redis } from 'ioredis';
import { classifiedBackoff, DeferJobError, withPlannedDelay } from './backoff';
import { ConversationLanes, LaneTurn } from './conversation-lanes';
import { ConversationOrder, OrderQueueKeys } from './conversation-order';
import type { HoldFor, OrderedExecutor, OrderedJobData, OrderedWork } from './job-runner';
import { QueueName } from './queue-names';
import { redisKeys } from './redis-keys';
import { RedisLock } from './redis-lock';
import { safeFailure } from './safe-failure';

/** Real failures (not turns waited) before an item is given up and left failed, visible. */
const MAX_FAILURES = 10;
const MAX_RATE_LIMITED = 60;
/**
 * An installation or account that lost its grant keeps its items this long, then fails them (the
 * failed job's reason says why; docs/operations.md). Reinstalling or reconnecting releases them
 * at once (ConnectionSignals.restored).
 */
const MAX_AUTH_WAIT_MS = 24 * 3_600_000;
/** A held item whose holder was released while it failed retries after this. */
const RELEASED_RETRY_MS = 500;
/** A job not at the head of its conversation looks again after this (or when promoted). */
const TURN_WAIT_MS = 1_000;
/** The conversation lease of a running item, renewed every third of it while the run lives. */
const LEASE_MS = 15_000;
/**
 * A job behind a head that runs in another process looks again after this: that head's `leave`
 * wakes it the moment it may run, so looking every TURN_WAIT_MS would only churn through Bull.
 * Bounded for a wake that never comes (a holder that died mid-run frees the lease by LEASE_MS).
 */
const HELD_TURN_WAIT_MS = LEASE_MS;
/** A head whose job no longer exists (a crashed producer, a job removed by hand) is dropped after this. */
const GHOST_AFTER_MS = 5_000;
/**
 * Of a worker's slots, the share that may wait in-process behind a job of the same conversation
 * (ConversationLanes); the rest stay free for other conversations.
 */
const MAX_WAITING_SHARE = 0.5;
/** Jobs that may wait in-process behind one conversation's running job (more defer via Bull). */
const MAX_WAITING_PER_CONVERSATION = 16;
/** A job waiting in-process longer than this defers through Bull instead. */
const MAX_LANE_WAIT_MS = 30_000;

const NOT_YET = 'an earlier message of this conversation is not relayed yet';

/** The lane this run holds; `waitForTurn` may trade it for a later one (see `yieldTo`). */
interface HeldLane {
  turn: LaneTurn;
}

/**
 * Runs a job only while it is the head of its conversation's order. A job behind one of its
 * conversation running in this process waits for it in-process (ConversationLanes); otherwise it
 * defers (not a failure) until the item before it finishes and promotes it. Counts real failures
 * in the job, retries with classified backoff, and gives up after a bounded number (the
 * conversation then moves on). Conversations never wait on one another; a stuck one holds up only itself.
 * The `ordered` mode of `runJobs`.
 */
export class OrderedJobRunner implements OrderedExecutor {
  private readonly logger: Logger;
  private readonly order: ConversationOrder;
  private readonly lock: RedisLock;
  private readonly lanes: ConversationLanes;
  private readonly queueKeys: OrderQueueKeys;
  /** Deferrals that rely on being woken, by error: their conversation (see `wakeable`). */
  private readonly awaitingWake = new WeakMap<object, string>();
  /** Typical run time (ms) of a job here, a moving average. */
  private runMs = 200;

  constructor(
    private readonly queueName: QueueName,
    private readonly queue: Queue,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly metrics: Metrics,
    private readonly holdFor: HoldFor | undefined,
    /** Jobs this process runs at once on this queue (sizes the in-process waiting). */
    concurrency = 1,
  ) {
    this.logger = new Logger(`OrderedJobRunner:${queueName}`);
    this.order = new ConversationOrder(redis, prefix);
    this.lock = new RedisLock(redis);
    this.lanes = new ConversationLanes(
      Math.floor(concurrency * MAX_WAITING_SHARE),
      MAX_WAITING_PER_CONVERSATION,
      MAX_LANE_WAIT_MS,
    );
    this.queueKeys = ConversationOrder.queueKeys(queue);
    // Bull emits 'failed' once a failed run's job has moved on, a deferral's to the delayed set.
    queue.on('failed', (job: Job, error: unknown) => {
      const conversation = typeof error === 'object' && error && this.awaitingWake.get(error);
      if (conversation) {
        void this.wakeIfHead(String(job.id), conversation);
      }
    });
  }

  async execute<T extends OrderedJobData>(work: OrderedWork<T>): Promise<string> {
    const jobId = String(work.job.id);
    // Jobs of a conversation that runs here wait in-process for the one before them: no Redis
    // round trips and no Bull delayed retry for each (see ConversationLanes).
    const entered = this.lanes.enter(work.conversation, jobId, work.score);
    if (entered === 'full') {
      // Over the caps: back after the jobs ahead of it here are likely done (or when promoted as
      // the head), rather than every second, which only churned through Bull (measured).
      const ahead = this.lanes.backlog(work.conversation);
      throw this.wakeable(
        this.deferral(NOT_YET, Math.min(MAX_LANE_WAIT_MS, ahead * this.runMs)),
        work.conversation,
      );
    }
    const turn = await entered;
    if (turn === 'defer') {
      throw this.deferral(NOT_YET);
    }
    const held: HeldLane = { turn };
    let blocked = false;
    try {
      return await this.executeAtTurn(work, jobId, held, () => (blocked = true));
    } finally {
      held.turn.release(blocked);
    }
  }

  private async executeAtTurn<T extends OrderedJobData>(
    work: OrderedWork<T>,
    jobId: string,
    held: HeldLane,
    onBlocked: () => void,
  ): Promise<string> {
    // Bull may run a job twice at once when it wrongly thinks the first run stalled (a worker
    // starved of CPU misses its lock renewal): the conversation's lease, taken with the turn,
    // keeps that second run out until the first is done.
    const lease = await this.waitForTurn(jobId, work.conversation, work.score, held, onBlocked);
    // Renewed while the run lives, so a worker that died frees its conversation within LEASE_MS.
    const leaseKey = this.order.leaseKey(work.conversation);
    const renew = setInterval(
      () => void this.lock.extend(leaseKey, lease, LEASE_MS).catch(() => undefined),
      LEASE_MS / 3,
    );
    let outcome: string;
    // Done with the item (relayed, or given up): it leaves the order and the next one goes.
    let done = false;
    const started = Date.now();
    try {
      outcome = await withCorrelation(work.job.data.correlationId, work.run);
      done = true;
      // Moving average of a run's time: how long a job over the lanes' caps should stay away.
      this.runMs += (Date.now() - started - this.runMs) / 16;
    } catch (error) {
      if (error instanceof DeferJobError) {
        this.metrics.jobs.inc({ queue: this.queueName, outcome: 'deferred' });
        throw error;
      }
      const failed = await this.failure(work, error);
      done = failed.giveUp;
      throw failed.error;
    } finally {
      clearInterval(renew);
      if (!done) {
        // It stays the head (a retry, or a deferral of its own): the jobs behind it cannot run.
        onBlocked();
      }
      // Also wakes the next head if it waits its turn in Bull's delayed set (same round trip).
      await this.order.leave(jobId, work.conversation, lease, done, this.queueKeys);
    }
    this.metrics.jobs.inc({ queue: this.queueName, outcome });
    return outcome;
  }

  /** A deferral (not a failure), counted. */
  private deferral(reason: string, afterMs = TURN_WAIT_MS): DeferJobError {
    this.metrics.jobs.inc({ queue: this.queueName, outcome: 'deferred' });
    return new DeferJobError(Math.max(TURN_WAIT_MS, afterMs), reason);
  }

  /**
   * A long deferral counts on the `leave` of the job before it to wake it. That `leave` may run
   * between this job's look and its move to the delayed set, and then finds nothing to wake:
   * once Bull has moved it, `wakeIfHead` looks once more.
   */
  private wakeable(error: DeferJobError, conversation: string): DeferJobError {
    this.awaitingWake.set(error, conversation);
    return error;
  }

  private async wakeIfHead(jobId: string, conversation: string): Promise<void> {
    try {
      await this.order.wake(jobId, conversation, this.queueKeys);
    } catch (error) {
      // It still runs at its planned retry.
      this.logger.warn({
        msg: 'could not wake a deferred job',
        queue: this.queueName,
        jobId,
        reason: safeFailure(error).message,
      });
    }
  }

  /**
   * The conversation's lease once this job is its head; otherwise a deferral (`onBlocked` first:
   * the head is not in this process, so the jobs waiting behind this one defer too).
   */
  private async waitForTurn(
    jobId: string,
    conversation: string,
    score: number,
    held: HeldLane,
    onBlocked: () => void,
  ): Promise<string> {
    // Whether the head, at the last look, was running in another process.
    let headRuns = false;
    for (let look = 0; look < 3;) {
      const entry = await this.order.enter(jobId, conversation, score, LEASE_MS);
      if (entry.status === 'head') {
        return entry.lease;
      }
      if (entry.status === 'busy') {
        onBlocked();
        throw this.deferral('another run is still working on this conversation');
      }
      const yielded = entry.head ? held.turn.yieldTo(entry.head) : false;
      if (yielded) {
        // The head waits in this process behind this job (it was picked up later): it goes
        // first, and this job takes its turn after it.
        const turn = await yielded;
        if (turn === 'defer') {
          held.turn = { release: () => undefined, yieldTo: () => false };
          throw this.deferral(NOT_YET);
        }
        held.turn = turn;
        continue;
      }
      look += 1;
      headRuns = entry.leased;
      // A head with a lease has a run (or had one less than LEASE_MS ago): no ghost.
      if (!entry.leased && entry.head && (await this.isGhost(entry.head))) {
        // Its job vanished (removed by hand, or a producer that indexed it and then failed to
        // queue it). Moving on is right for the conversation, but an acknowledged message may be
        // gone: loud, and counted (igl_jobs_total{outcome="dropped-ghost-entry"}).
        this.logger.error({
          msg: 'dropped an order entry whose job no longer exists',
          queue: this.queueName,
          jobId: entry.head,
        });
        this.metrics.jobs.inc({ queue: this.queueName, outcome: 'dropped-ghost-entry' });
        await this.order.drop(entry.head, conversation);
        continue;
      }
      if (look < 3) {
        // The head is usually milliseconds from done: a short look again beats a full deferral.
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    onBlocked();
    if (headRuns) {
      // Not in this process (its jobs of this conversation would wait in ConversationLanes).
      throw this.wakeable(this.deferral(NOT_YET, HELD_TURN_WAIT_MS), conversation);
    }
    throw this.deferral(NOT_YET);
  }

  private async isGhost(headJobId: string): Promise<boolean> {
    if (await this.queue.getJob(headJobId)) {
      return false;
    }
    const key = redisKeys.ghost(this.prefix, headJobId);
    const firstSeen = await this.redis.set(key, String(Date.now()), 'PX', 60_000, 'NX');
    if (firstSeen === 'OK') {
      return false;
    }
    const since = Number(await this.redis.get(key));
    return Date.now() - since > GHOST_AFTER_MS;
  }

  private async failure<T extends OrderedJobData>(
    work: OrderedWork<T>,
    error: unknown,
  ): Promise<{ error: Error; giveUp: boolean }> {
    const { job } = work;
    const data = job.data;
    const failures = (data.failures ?? 0) + 1;
    const kind = kindOf(error);
    const giveUp =
      kind === 'permanent' ||
      (kind === 'auth' && Date.now() - data.acceptedAt > MAX_AUTH_WAIT_MS) ||
      (kind === 'rate-limited' && failures >= MAX_RATE_LIMITED) ||
      (kind !== 'auth' && kind !== 'rate-limited' && failures >= MAX_FAILURES);
    const original = error instanceof Error ? error : new Error(String(error));
    // What Bull stores (failedReason, stacktrace) and what is logged: kind and codes, no content.
    const err = safeFailure(original);
    this.logger.warn({
      msg: giveUp ? 'item failed for good' : 'item failed; will retry',
      queue: this.queueName,
      jobId: job.id,
      correlationId: data.correlationId,
      kind,
      failures,
      reason: err.message,
    });
    if (giveUp) {
      if (work.onGiveUp) {
        await work.onGiveUp(original).catch((hookError: unknown) =>
          this.logger.error({
            msg: 'give-up hook failed',
            jobId: job.id,
            reason: safeFailure(hookError).message,
          }),
        );
      }
      // The failed job keeps ids, kind and reason; its content goes before it lands in the
      // failed set. Should this write fail, the job is retried instead (its content is sealed).
      await job.update(
        work.withoutContent({ ...data, failures }, { kind, reason: err.message, at: Date.now() }),
      );
      this.metrics.jobs.inc({ queue: this.queueName, outcome: 'failed' });
      return { error: withPlannedDelay(err, -1), giveUp: true };
    }
    await job.update({ ...data, failures });
    this.metrics.jobs.inc({ queue: this.queueName, outcome: 'retried' });
    if (kind === 'auth' && this.holdFor) {
      // Waits for the admin: recorded, so that reinstalling or reconnecting runs it at once.
      const released = await this.holdFor(error, this.queueName, String(job.id));
      if (released) {
        return { error: withPlannedDelay(err, RELEASED_RETRY_MS), giveUp: false };
      }
    }
    return { error: withPlannedDelay(err, classifiedBackoff(failures, err)), giveUp: false };
  }
}
