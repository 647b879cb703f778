/**
 * The load generator: runs in a process of its own (so its CPU is not the measured server's), and
 * prints one `RESULT {json}` line. Started by bench.ts:
 *   node -r ts-node/register/transpile-only bench/loadgen.ts '<json LoadSpec>'
 * Modes:
 *   saturate  autocannon, closed loop: `connections` requests always in flight for `durationS`
 *             (or `amount` requests): the most the server can take.
 *   paced     open loop, evenly spaced: `rate` webhooks per second for `durationS`, whatever the
 *             answers (autocannon's own rate limit sends each second's quota in a burst, which
 *             would measure the bursts, not the load).
 * Every request is a signed Instagram webhook with unique message ids; `itemsPerRequest` messaging
 * items each (1 or a batch), spread over `conversations` customers in round robin (optionally with
 * a share from conversations never seen before: `newConversations`).
 */
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { benchText, hubSignature, instagramWebhookBody } from './lib/webhook-body';

export interface LoadSpec {
  mode: 'saturate' | 'paced';
  url: string;
  path: string;
  secret: string;
  igAccountId: string;
  /** igsid of conversation i is `${igsidPrefix}${i}`. */
  igsidPrefix: string;
  conversations: number;
  itemsPerRequest: number;
  /** Goes into every text (`tag|conversation|seq|sentAt`) and mid. */
  tag: string;
  durationS: number;
  connections?: number;
  amount?: number;
  rate?: number;
  /**
   * A share of the messages from conversations never seen before (each needs a customer and a
   * chat created): every `every`-th message goes to one of them, `messagesEach` messages per new
   * conversation, spread so that a conversation's messages are `spread × every` messages apart.
   * Their igsids are `${igsidPrefix}${j}`; their texts name conversation `offset + j`.
   */
  /**
   * Paced mode: writes `{ "<conversation>|<seq>": [sent ms, answered ms (-1: no 2xx)] }` here, so
   * the receiving side can tell an order the gateway could have seen (the earlier message
   * accepted before the later was sent) from webhooks that overlapped.
   */
  timingsFile?: string;
  newConversations?: {
    every: number;
    igsidPrefix: string;
    messagesEach: number;
    spread: number;
    offset: number;
  };
}

export interface LoadResult {
  mode: LoadSpec['mode'];
  durationS: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  items: number;
  requestsPerS: number;
  itemsPerS: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

class BodyFactory {
  private counter = 0;
  constructor(private readonly spec: LoadSpec) {}

  next(): { body: string; signature: string; keys: string[] } {
    const { spec } = this;
    const n = this.counter++;
    const now = Date.now();
    const items = [];
    const keys: string[] = [];
    for (let j = 0; j < spec.itemsPerRequest; j += 1) {
      const index = n * spec.itemsPerRequest + j;
      const mid = `${spec.tag}.${process.pid}.${index}`;
      const fresh = spec.newConversations;
      if (fresh && index % fresh.every === fresh.every - 1) {
        // The k-th message of new conversations: `spread` conversations take turns, each sending
        // `messagesEach` in order, then the next `spread` start.
        const k = Math.floor(index / fresh.every);
        const round = Math.floor(k / (fresh.spread * fresh.messagesEach));
        const j2 = round * fresh.spread + (k % fresh.spread);
        const seq = Math.floor(k / fresh.spread) % fresh.messagesEach;
        items.push({
          igsid: `${fresh.igsidPrefix}${j2}`,
          mid,
          text: benchText(spec.tag, fresh.offset + j2, seq, now),
          timestamp: now,
        });
        keys.push(`${fresh.offset + j2}|${seq}`);
        continue;
      }
      // Known conversations in round robin over the messages that are not new ones.
      const known = fresh ? index - Math.floor(index / fresh.every) : index;
      const conversation = known % spec.conversations;
      const seq = Math.floor(known / spec.conversations);
      items.push({
        igsid: `${spec.igsidPrefix}${conversation}`,
        mid,
        text: benchText(spec.tag, conversation, seq, now),
        timestamp: now,
      });
      keys.push(`${conversation}|${seq}`);
    }
    const body = instagramWebhookBody({ igAccountId: spec.igAccountId, items });
    return { body, signature: hubSignature(body, spec.secret), keys };
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function saturate(spec: LoadSpec): Promise<LoadResult> {
  const bodies = new BodyFactory(spec);
  const target = new URL(spec.url);
  const result = await autocannon({
    url: `${target.origin}`,
    connections: spec.connections ?? 32,
    pipelining: 1,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationS }),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: spec.path,
        setupRequest: (req) => {
          const { body, signature } = bodies.next();
          return {
            ...req,
            body,
            headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
          };
        },
      },
    ],
  });
  const ok = result['2xx'];
  const duration = result.duration;
  return {
    mode: 'saturate',
    durationS: duration,
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    items: ok * spec.itemsPerRequest,
    requestsPerS: ok / duration,
    itemsPerS: (ok * spec.itemsPerRequest) / duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
  };
}

async function paced(spec: LoadSpec): Promise<LoadResult> {
  const rate = spec.rate ?? 100;
  const bodies = new BodyFactory(spec);
  const target = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections ?? 128 });
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let inFlight = 0;
  const total = Math.round(rate * spec.durationS);
  const started = performance.now();

  const timings = new Map<string, [number, number]>();
  const send = (): void => {
    const { body, signature, keys } = bodies.next();
    const t0 = performance.now();
    const sentAt = Date.now();
    const times: [number, number] = [sentAt, -1];
    if (spec.timingsFile) {
      for (const key of keys) {
        timings.set(key, times);
      }
    }
    inFlight += 1;
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: spec.path,
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-hub-signature-256': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) {
            ok += 1;
            times[1] = Date.now();
          } else {
            non2xx += 1;
          }
          inFlight -= 1;
        });
      },
    );
    req.on('error', () => {
      errors += 1;
      inFlight -= 1;
    });
    req.end(body);
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - started;
      const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
      while (sent < due) {
        sent += 1;
        send();
      }
      if (sent >= total) {
        resolve();
        return;
      }
      const nextAt = (sent * 1000) / rate;
      setTimeout(tick, Math.max(0, nextAt - (performance.now() - started)));
    };
    tick();
  });
  const sendWindowS = (performance.now() - started) / 1000;
  const deadline = performance.now() + 30_000;
  while (inFlight > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  agent.destroy();
  if (spec.timingsFile) {
    writeFileSync(spec.timingsFile, JSON.stringify(Object.fromEntries(timings)));
  }
  latencies.sort((a, b) => a - b);
  return {
    mode: 'paced',
    durationS: sendWindowS,
    requests: sent,
    ok,
    non2xx,
    errors,
    items: ok * spec.itemsPerRequest,
    requestsPerS: sent / sendWindowS,
    itemsPerS: (ok * spec.itemsPerRequest) / sendWindowS,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? 0,
      mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  const result = spec.mode === 'paced' ? await paced(spec) : await saturate(spec);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `loadgen failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
