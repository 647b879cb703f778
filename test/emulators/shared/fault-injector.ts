/** What every injected fault has: which requests it matches and how many it applies to. */
export interface FaultBase {
  route: unknown;
  /** How many matching requests it applies to (default: all, until cleared). */
  times?: number;
}

export type Injected<Spec> = Spec & {
  id: number;
  /** Requests it has applied to so far. */
  hits: number;
};

/**
 * The faults an emulator answers with instead of (or before) its normal answer. Each emulator
 * says how a fault matches a request (`Args`) and what the fault does when taken.
 */
export class FaultInjector<Spec extends FaultBase, Args extends unknown[]> {
  private readonly faults: Array<Injected<Spec>> = [];
  private nextId = 1;

  constructor(private readonly matches: (fault: Injected<Spec>, ...request: Args) => boolean) {}

  inject(spec: Spec): Injected<Spec> {
    const fault: Injected<Spec> = { ...spec, id: this.nextId++, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  /** By id, or the fault `inject` returned. */
  remove(fault: number | { id: number }): void {
    const id = typeof fault === 'number' ? fault : fault.id;
    const index = this.faults.findIndex((f) => f.id === id);
    if (index >= 0) {
      this.faults.splice(index, 1);
    }
  }

  /** Every fault, or those injected for `route`. */
  clear(route?: Spec['route']): void {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      if (route === undefined || this.faults[i].route === route) {
        this.faults.splice(i, 1);
      }
    }
  }

  get active(): ReadonlyArray<Injected<Spec>> {
    return this.faults;
  }

  list(): ReadonlyArray<Injected<Spec>> {
    return this.faults;
  }

  /** The first fault matching this request, consuming one of its `times` (a snapshot of it). */
  take(...request: Args): Injected<Spec> | undefined {
    const fault = this.faults.find((f) => this.matches(f, ...request));
    if (fault === undefined) {
      return undefined;
    }
    fault.hits++;
    if (fault.times !== undefined && fault.hits >= fault.times) {
      this.remove(fault);
    }
    return { ...fault };
  }
}
