/**
 * In-process single flight: concurrent callers with the same key share one promise. Used for
 * token refresh, because LiveChat silently revokes the oldest of 25 tokens per client and user, so
 * a refresh stampede would invalidate tokens other workers still hold. Cross-process locking is the
 * app's job.
 */
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key);
    if (existing !== undefined) {
      return existing;
    }
    // The executor form turns a synchronous throw into a rejection of the shared promise.
    const promise = new Promise<T>((resolve) => resolve(fn())).finally(() => {
      if (this.inflight.get(key) === promise) {
        this.inflight.delete(key);
      }
    });
    this.inflight.set(key, promise);
    return promise;
  }

  isRunning(key: string): boolean {
    return this.inflight.has(key);
  }

  get size(): number {
    return this.inflight.size;
  }
}
