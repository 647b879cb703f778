/** What a job waiting in its conversation's lane is told when its wait ends. */
export type LaneOutcome = 'turn' | 'defer';

interface Waiter {
  jobId: string;
  score: number;
  wake: (outcome: LaneOutcome) => void;
  timer: NodeJS.Timeout;
}

interface Lane {
  /** The job that holds the lane (checking its turn in Redis, or running). */
  holder: string;
  /** Jobs of this conversation waiting in this process, lowest score first. */
  waiters: Waiter[];
}

/** A held lane: released once the holder has left the conversation's order. */
export interface LaneTurn {
  /**
   * Hands the lane to the next waiter (lowest score). `blocked`: the holder could not run because
   * the conversation's head is elsewhere (another process, or Bull's delayed set): every waiter is
   * behind that head too, so each is told to defer at once instead of asking Redis again.
   */
  release(blocked?: boolean): void;
  /**
   * The head Redis named is one of this lane's waiters (it arrived after this holder took the
   * lane): hands the lane to it and waits for another turn. False when `head` is not waiting here.
   */
  yieldTo(head: string): Promise<LaneTurn | 'defer'> | false;
}

/**
 * In-process lanes, one per conversation that has jobs running in this process. Jobs of one
 * conversation picked up at once (a burst, at high concurrency) wait here for the one before them
 * instead of each asking Redis and going through a Bull delayed retry: only the lane's holder asks
 * Redis for the turn (ConversationOrder stays the one authority on order and lease). Waiting holds
 * a Bull slot (Bull keeps renewing the job's lock, so it cannot stall out): the caps keep most
 * slots for other conversations, and a job over them defers through Bull as before.
 */
export class ConversationLanes {
  private readonly lanes = new Map<string, Lane>();
  private waiting = 0;

  constructor(
    /** Jobs that may wait in this process at once, over all conversations. */
    private readonly maxWaiting: number,
    /** Jobs that may wait behind one conversation's holder. */
    private readonly maxWaitingPerConversation: number,
    /** A waiter not woken within this defers (a holder stuck on a slow upstream frees the slots). */
    private readonly maxWaitMs: number,
  ) {}

  /** Jobs of the conversation in this process's lane (its holder and waiters); 0 without one. */
  backlog(conversation: string): number {
    const lane = this.lanes.get(conversation);
    return lane ? 1 + lane.waiters.length : 0;
  }

  /** Jobs waiting in lanes now (not holders). */
  get waitingNow(): number {
    return this.waiting;
  }

  /**
   * The lane's turn for this job: at once when no job of its conversation runs here, else after
   * those before it. `'full'` when the caps allow no more waiting (the caller defers).
   */
  enter(conversation: string, jobId: string, score: number): Promise<LaneTurn | 'defer'> | 'full' {
    const lane = this.lanes.get(conversation);
    if (!lane) {
      this.lanes.set(conversation, { holder: jobId, waiters: [] });
      return Promise.resolve(this.turnOf(conversation, jobId, score));
    }
    if (
      this.waiting >= this.maxWaiting ||
      lane.waiters.length >= this.maxWaitingPerConversation
    ) {
      return 'full';
    }
    return this.waitFor(conversation, lane, jobId, score);
  }

  private waitFor(
    conversation: string,
    lane: Lane,
    jobId: string,
    score: number,
  ): Promise<LaneTurn | 'defer'> {
    return this.wait(lane, jobId, score).then((outcome) =>
      outcome === 'turn' ? this.turnOf(conversation, jobId, score) : 'defer',
    );
  }

  private wait(lane: Lane, jobId: string, score: number): Promise<LaneOutcome> {
    this.waiting += 1;
    return new Promise<LaneOutcome>((resolve) => {
      const waiter: Waiter = {
        jobId,
        score,
        wake: (outcome) => {
          clearTimeout(waiter.timer);
          this.waiting -= 1;
          resolve(outcome);
        },
        timer: setTimeout(() => {
          const index = lane.waiters.indexOf(waiter);
          if (index >= 0) {
            lane.waiters.splice(index, 1);
            waiter.wake('defer');
          }
        }, this.maxWaitMs),
      };
      // Few waiters per lane (capped): a linear insert keeps them sorted.
      const at = lane.waiters.findIndex((w) => w.score > score);
      lane.waiters.splice(at < 0 ? lane.waiters.length : at, 0, waiter);
    });
  }

  private turnOf(conversation: string, jobId: string, score: number): LaneTurn {
    let released = false;
    return {
      release: (blocked = false) => {
        if (released) {
          return;
        }
        released = true;
        const lane = this.lanes.get(conversation);
        if (!lane || lane.holder !== jobId) {
          return;
        }
        if (blocked) {
          for (const waiter of lane.waiters.splice(0)) {
            waiter.wake('defer');
          }
        }
        const next = lane.waiters.shift();
        if (!next) {
          this.lanes.delete(conversation);
          return;
        }
        lane.holder = next.jobId;
        next.wake('turn');
      },
      yieldTo: (head) => {
        const lane = this.lanes.get(conversation);
        const index = lane?.waiters.findIndex((w) => w.jobId === head) ?? -1;
        if (!lane || released || lane.holder !== jobId || index < 0) {
          return false;
        }
        released = true;
        const [next] = lane.waiters.splice(index, 1);
        // Waits again in score order (the caps do not apply: it was admitted already).
        const again = this.waitFor(conversation, lane, jobId, score);
        lane.holder = next.jobId;
        next.wake('turn');
        return again;
      },
    };
  }
}
