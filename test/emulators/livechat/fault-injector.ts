/** One injected fault, matched by route name (`send_event`, `token`, ...) or exact path. */
export interface FaultSpec {
  route: string;
  /** Answer with this status and the route's documented error body. */
  status?: number;
  /** Overrides the vendor error type/code in the body (default derives from the status). */
  errorType?: string;
  /** Replaces the whole error body. */
  body?: unknown;
  /** How many matching requests this fault affects; default: until `clear()`. */
  times?: number;
  /** Sets a `Retry-After` header (seconds). */
  retryAfterSeconds?: number;
  /** Delay before answering (combined with the other effects, or alone). */
  latencyMs?: number;
  /** Adds a random 0…jitterMs to the latency, so concurrent requests can overtake each other. */
  jitterMs?: number;
  /** Never answer: the client's timeout must fire. */
  hang?: boolean;
  /** Expire the bearer token of the request first, so it fails authentication for real. */
  expireToken?: boolean;
}

export interface ActiveFault extends FaultSpec {
  id: number;
  hits: number;
}

export class FaultInjector {
  private readonly faults: ActiveFault[] = [];
  private nextId = 1;

  inject(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = { ...spec, id: this.nextId++, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  clear(route?: string): void {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      if (route === undefined || this.faults[i].route === route) {
        this.faults.splice(i, 1);
      }
    }
  }

  remove(id: number): void {
    const index = this.faults.findIndex((f) => f.id === id);
    if (index >= 0) {
      this.faults.splice(index, 1);
    }
  }

  get active(): readonly ActiveFault[] {
    return this.faults;
  }

  /** The first matching fault, consuming one of its `times`. */
  take(route: string, path: string): ActiveFault | undefined {
    const fault = this.faults.find((f) => f.route === route || f.route === path);
    if (fault === undefined) {
      return undefined;
    }
    fault.hits++;
    if (fault.times !== undefined && fault.hits >= fault.times) {
      this.remove(fault.id);
    }
    return { ...fault };
  }
}
