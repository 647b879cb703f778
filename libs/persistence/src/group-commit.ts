interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: one batch in flight at a time, and the items submitted while it runs go together
 * in the next. Under load a statement carries many items (fewer round trips and Postgres
 * executions per message); alone, an item is written at once, so nobody waits for a timer. Each
 * caller resolves only once its own item is written, as with a statement per item; a failed
 * batch fails every item it carried (their jobs retry).
 */
export class GroupCommit<T, R = void> {
  private queued: Array<Pending<T, R>> = [];
  private flushing = false;

  /** `write` gets the batch and returns one result per item, in the batch's order. */
  constructor(private readonly write: (batch: readonly T[]) => Promise<readonly R[]>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      if (!this.flushing) {
        void this.flush();
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        try {
          const results = await this.write(batch.map((pending) => pending.item));
          batch.forEach((pending, i) => pending.resolve(results[i]));
        } catch (error) {
          batch.forEach((pending) => pending.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
