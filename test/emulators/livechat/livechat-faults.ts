import { FaultInjector, Injected } from '../shared/fault-injector';

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

export type ActiveFault = Injected<FaultSpec>;

/** Matched by route name (`send_event`, `token`, ...) or exact path. */
export class LiveChatFaults extends FaultInjector<FaultSpec, [route: string, path: string]> {
  constructor() {
    super((fault, route, path) => fault.route === route || fault.route === path);
  }
}
