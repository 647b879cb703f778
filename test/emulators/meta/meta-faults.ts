import { FaultInjector, Injected } from '../shared/fault-injector';

/** A fault: what the next matching requests get instead of (or before) the normal answer. */
export interface FaultSpec {
  /**
   * Path without the version prefix (`/me/messages`, `/:id/subscribed_apps`; `:x` and `*` match
   * one segment), optionally prefixed by a method (`POST /me/messages`), or a RegExp tested on
   * the path without version.
   */
  route: string | RegExp;
  method?: string;
  /** HTTP status (default: what Graph uses for the code: 500 for 1/2, 403 for 10/200s, else 400). */
  status?: number;
  /** Graph error code for the body (default by status: 1 for 5xx, 4 for 429, 100 otherwise). */
  code?: number;
  subcode?: number;
  message?: string;
  /** How many matching requests it applies to (default: all, until cleared). */
  times?: number;
  /** Delay before answering (alone: the normal answer, late). */
  latencyMs?: number;
  /** Never answer (the client's timeout fires). */
  hang?: true;
  /** Expire the presented token for real, then answer 190/463. */
  expireToken?: true;
  /** Answer 10/2018278 (outside the messaging window). */
  windowClosed?: true;
  /** Answer 551/1545041 (this person isn't available). */
  userUnavailable?: true;
  /** `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage` on rate limits. */
  regainAccessMinutes?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** A raw body instead of a Graph error (e.g. an HTML 502 from a proxy). */
  rawBody?: string;
}

export type ActiveFault = Injected<FaultSpec>;

export function routeMatches(pattern: string, path: string): boolean {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) {
    return false;
  }
  return want.every((w, i) => w === '*' || w.startsWith(':') || w === got[i]);
}

function faultMatches(fault: ActiveFault, method: string, path: string): boolean {
  return (
    (!fault.method || fault.method === method) &&
    (typeof fault.route === 'string' ? routeMatches(fault.route, path) : fault.route.test(path))
  );
}

/** Matched by method and path; `route` may name the method (`POST /me/messages`). */
export class MetaFaults extends FaultInjector<FaultSpec, [method: string, path: string]> {
  constructor() {
    super(faultMatches);
  }

  override inject(spec: FaultSpec): ActiveFault {
    let { route, method } = spec;
    if (typeof route === 'string') {
      const m = /^(GET|POST|DELETE|PUT|HEAD)\s+(\S+)$/i.exec(route.trim());
      if (m) {
        method = m[1].toUpperCase();
        route = m[2];
      }
    }
    return super.inject({ ...spec, route, method: method?.toUpperCase() });
  }
}
