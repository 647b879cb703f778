import type { ActiveFault as LiveChatFault, EmulatorEvent } from '../../test/emulators/livechat';
import { LiveChatEmulator, startLiveChatEmulator } from '../../test/emulators/livechat';
import type {
  ActiveFault as MetaFault,
  SentMessage,
  WebhookDelivery,
} from '../../test/emulators/meta';
import { MetaEmulator, startMetaEmulator } from '../../test/emulators/meta';
import { META_APP_ID, META_APP_SECRET } from './environment';

export interface Emulators {
  livechat: LiveChatEmulator;
  meta: MetaEmulator;
  /** Called for every event LiveChat stores (customer messages our relay sends, agent events…). */
  onLiveChatEvent(listener: (event: EmulatorEvent, at: number) => void): void;
  /** Called for every message the Send API accepts. */
  onMetaSend(listener: (message: SentMessage) => void): void;
  /** Drops the emulators' request/delivery logs (they keep every body; long runs trim them). */
  trimRecordings(): void;
  /** API calls answered so far, by `livechat <route>` / `meta <METHOD> <route>` (trims kept). */
  callCounts(): Map<string, number>;
  close(): Promise<void>;
}

/**
 * Both platform emulators in this process, with hooks that see each relayed message as it lands
 * (the emulators record state, not arrival callbacks; the hooks wrap their append points).
 */
export async function startEmulators(): Promise<Emulators> {
  const livechat = await startLiveChatEmulator({ autoApprove: true });
  const meta = await startMetaEmulator({ appId: META_APP_ID, appSecret: META_APP_SECRET });
  const eventListeners: Array<(event: EmulatorEvent, at: number) => void> = [];
  const sendListeners: Array<(message: SentMessage) => void> = [];

  const state = livechat.state;
  const addEvent = state.addEvent.bind(state);
  state.addEvent = (thread, event) => {
    const stored = addEvent(thread, event);
    const at = Date.now();
    for (const listener of eventListeners) {
      listener(stored, at);
    }
    return stored;
  };

  const sent = meta.state.sentMessages;
  const push = sent.push.bind(sent);
  sent.push = (...messages: SentMessage[]): number => {
    const length = push(...messages);
    for (const message of messages) {
      for (const listener of sendListeners) {
        listener(message);
      }
    }
    return length;
  };

  // Call counts survive trimRecordings: what was trimmed is tallied first.
  const tallied = new Map<string, number>();
  const tally = (into: Map<string, number>): Map<string, number> => {
    for (const call of livechat.calls) {
      const key = `livechat ${call.route}`;
      into.set(key, (into.get(key) ?? 0) + 1);
    }
    for (const call of meta.calls) {
      // Ids in paths (`/bench-user-7`, `/1784…/messages`) grouped as `:id`.
      const route = call.route.replace(/\/[^/]*\d[^/]*/g, '/:id');
      const key = `meta ${call.method} ${route}`;
      into.set(key, (into.get(key) ?? 0) + 1);
    }
    return into;
  };
  return {
    livechat,
    meta,
    callCounts: () => tally(new Map(tallied)),
    onLiveChatEvent: (listener) => eventListeners.push(listener),
    onMetaSend: (listener) => sendListeners.push(listener),
    trimRecordings: () => {
      tally(tallied);
      livechat.clearCalls();
      (livechat.webhooks.deliveries as unknown[]).length = 0;
      meta.resetCalls();
      (meta.deliveries as unknown[]).length = 0;
    },
    close: async () => {
      await meta.close();
      await livechat.close();
    },
  };
}

export interface FaultMix {
  /** Share of upstream requests answered 5xx (503 LiveChat, 500 Meta). */
  serverError: number;
  /** Share answered 429 (rate limited). */
  rateLimited: number;
  /** Share answered late (a latency spike below the apps' upstream timeout). */
  spike: number;
  spikeMs: [number, number];
}

export interface FaultCounts {
  serverError: number;
  rateLimited: number;
  spike: number;
  expiredToken: number;
}

/** LiveChat routes the relay worker calls (everything but the OAuth pages and the CDN). */
const LIVECHAT_EXEMPT = new Set(['authorize', 'authorize_approve', 'cdn']);

/**
 * Random faults on every upstream call the workers make. The emulators' injectors only know
 * counted faults (`times`); a share of requests needs a random draw per request, so this wraps
 * their `take` (explicitly injected faults still come first).
 */
export class RandomFaults {
  enabled = false;
  readonly counts: FaultCounts = { serverError: 0, rateLimited: 0, spike: 0, expiredToken: 0 };
  private nextId = 1_000_000;

  constructor(
    private readonly mix: FaultMix,
    private readonly random: () => number = Math.random,
  ) {}

  attach(emulators: Emulators): void {
    const lcFaults = emulators.livechat.faults;
    const lcTake = lcFaults.take.bind(lcFaults);
    lcFaults.take = (route: string, path: string): LiveChatFault | undefined => {
      const injected = lcTake(route, path);
      if (injected) {
        if (injected.expireToken) {
          this.counts.expiredToken += 1;
        }
        return injected;
      }
      if (!this.enabled || LIVECHAT_EXEMPT.has(route)) {
        return undefined;
      }
      const draw = this.draw();
      if (!draw) {
        return undefined;
      }
      const base = { id: this.nextId++, route, hits: 1 };
      switch (draw.kind) {
        case 'serverError':
          return { ...base, status: 503 };
        case 'rateLimited':
          return { ...base, status: 429, retryAfterSeconds: 1 };
        case 'spike':
          return { ...base, latencyMs: draw.latencyMs };
      }
    };

    const metaFaults = emulators.meta.faults;
    const metaTake = metaFaults.take.bind(metaFaults);
    metaFaults.take = (method: string, path: string): MetaFault | undefined => {
      const injected = metaTake(method, path);
      if (injected) {
        return injected;
      }
      if (!this.enabled || path.startsWith('/cdn/') || path.startsWith('/dialog/')) {
        return undefined;
      }
      const draw = this.draw();
      if (!draw) {
        return undefined;
      }
      const base = { id: this.nextId++, route: path, method, hits: 1 };
      switch (draw.kind) {
        case 'serverError':
          return { ...base, status: 500 };
        case 'rateLimited':
          return { ...base, status: 429 };
        case 'spike':
          return { ...base, latencyMs: draw.latencyMs };
      }
    };
  }

  /** Every kind in the mix happens at least once, whatever the random draws: the first few
   * calls after enabling take them in turn (a small run may otherwise draw none of a rare kind). */
  private forced?: Array<'serverError' | 'rateLimited'>;

  private draw():
    { kind: 'serverError' | 'rateLimited' } | { kind: 'spike'; latencyMs: number } | undefined {
    this.forced ??= [
      ...(this.mix.serverError > 0 ? (['serverError'] as const) : []),
      ...(this.mix.rateLimited > 0 ? (['rateLimited'] as const) : []),
    ];
    const forced = this.forced.shift();
    if (forced) {
      this.counts[forced] += 1;
      return { kind: forced };
    }
    const r = this.random();
    if (r < this.mix.serverError) {
      this.counts.serverError += 1;
      return { kind: 'serverError' };
    }
    if (r < this.mix.serverError + this.mix.rateLimited) {
      this.counts.rateLimited += 1;
      return { kind: 'rateLimited' };
    }
    if (r < this.mix.serverError + this.mix.rateLimited + this.mix.spike) {
      this.counts.spike += 1;
      const [min, max] = this.mix.spikeMs;
      return { kind: 'spike', latencyMs: Math.round(min + this.random() * (max - min)) };
    }
    return undefined;
  }
}

/**
 * Meta redelivers a webhook our gateway did not answer 200 ("immediately a few times, then with
 * decreasing frequency"); the emulator sends the echo of each Send API message once. While the
 * gateway cannot queue (its Redis restarting) an echo would be lost where Meta would retry it, and
 * the relay uses echoes as evidence of sends it could not record. This redelivers failed echoes
 * the way Meta would (same bytes and signature, backing off), until they are answered 200.
 */
export function redeliverFailedEchoes(meta: MetaEmulator): { stop(): void; redelivered(): number } {
  let stopped = false;
  let redelivered = 0;
  const deliveries = meta.deliveries;
  const push = deliveries.push.bind(deliveries);
  const settle = async (delivery: WebhookDelivery): Promise<void> => {
    // Wait for the first attempt to finish.
    while (
      !stopped &&
      delivery.status === undefined &&
      delivery.error === undefined &&
      !delivery.skipped
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    let current = delivery;
    for (
      let attempt = 1;
      !stopped && current.status !== 200 && !current.skipped && attempt <= 40;
      attempt += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * attempt)));
      if (stopped) {
        return;
      }
      current = await meta.redeliver(current);
      redelivered += 1;
    }
  };
  deliveries.push = (...items: WebhookDelivery[]): number => {
    for (const item of items) {
      if (item.kind === 'echo') {
        void settle(item);
      }
    }
    return push(...items);
  };
  return {
    stop: () => {
      stopped = true;
    },
    redelivered: () => redelivered,
  };
}
