/**
 * The chaos run, shared by `npm run chaos` (bench/chaos.ts, ~5,000 messages) and the jest test
 * (test/chaos/chaos.e2e-spec.ts, ~300): both directions at once — Instagram DMs into LiveChat and
 * agent replies out to Instagram — across many conversations, while a relay worker is SIGKILLed
 * and restarted, the Redis holding the queues crashes and restarts, and the emulated platforms
 * answer a share of requests with 5xx, 429, late answers, and once with an expired token.
 * Afterwards it checks, per conversation and direction, that every message the gateway accepted
 * arrived exactly once and in the order it was sent.
 */
import { jobIds, QueueName } from '@app/queues';
import Redis from 'ioredis';
import { AppLaunch } from './lib/apps';
import { FaultCounts, FaultMix, RandomFaults, redeliverFailedEchoes } from './lib/emulators';
import { freePort, withDatabase } from './lib/environment';
import { QueueDepth, sleep } from './lib/measure';
import { OwnRedis } from './lib/own-redis';
import { ManagedProcess, ProcessSupervisor } from './lib/processes';
import { Stack } from './lib/stack';
import { benchText, parseBenchText } from './lib/webhook-body';

export interface ChaosOptions {
  conversations: number;
  messagesPerConversation: number;
  /** Share of each conversation's messages that are agent replies (the first is always a DM). */
  outboundShare: number;
  /** Messages per second offered, both directions together (paced). */
  rate: number;
  workers: number;
  /** SIGKILLs of worker #1, each followed by a restart, spread over the traffic. */
  kills: number;
  redisRestarts: number;
  /**
   * Megabytes of unrelated data in the Redis, so that its restart spends a moment loading (as a
   * production Redis does; clients get LOADING meanwhile) instead of coming back empty at once.
   */
  redisDatasetMb: number;
  /**
   * Crash Redis while the killed worker is down (the queue then holds the messages that arrived
   * meanwhile, and the crash must keep them); otherwise at 45–60% of the traffic.
   */
  redisCrashWhileWorkerDown?: boolean;
  expiredTokens: number;
  faults: FaultMix;
  /** Added to every LiveChat and Graph call the emulators answer (the production shape); 0: none. */
  upstreamLatencyMs?: number;
  launch: AppLaunch;
  /** How long to wait for the last messages after the last fault before calling them lost. */
  drainTimeoutMs: number;
  /** Cap on the whole run: every process it starts exits by itself after this. */
  maxRunMs: number;
  seed?: number;
  log?: (line: string) => void;
  /** Stops the run early (SIGINT): traffic and waits end, then everything is cleaned up. */
  abort?: AbortSignal;
}

export interface Finding {
  conversation: number;
  direction: 'inbound' | 'outbound';
  seq: number;
  detail?: string;
}

export interface ChaosEvent {
  atMs: number;
  what: string;
}

export interface ChaosReport {
  seed: number;
  sent: { inbound: number; outbound: number };
  /** Messages the gateway never accepted (the sender gave up redelivering): not counted as lost. */
  notAccepted: number;
  arrived: { inbound: number; outbound: number };
  lost: Finding[];
  duplicated: Finding[];
  reordered: Finding[];
  /** Agent notices posted (a reply the app gave up on tells the agent so): count and texts. */
  notices: number;
  noticeTexts: string[];
  faults: FaultCounts & { kills: number; redisRestarts: number; echoesRedelivered: number };
  timeline: ChaosEvent[];
  /** From the last fault (the last restart, or the moment upstream faults stopped) to the last arrival. */
  drainMs: number;
  /** Whether every accepted message arrived (else drainMs is to the last one that did). */
  drained: boolean;
  trafficMs: number;
  durationMs: number;
  /** Jobs left in the relay queues at the end (waiting + active + delayed). */
  queueLeft: number;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  passed: boolean;
  /** The apps' last output lines, when something failed (for the why). */
  diagnostics: string;
}

/** `npm run chaos`: ~5,000 messages, 200 conversations, 2 workers (one SIGKILLed twice). */
export const CHAOS_FULL: Omit<ChaosOptions, 'launch'> = {
  conversations: 200,
  messagesPerConversation: 25,
  outboundShare: 0.5,
  rate: 150,
  workers: 2,
  kills: 2,
  redisRestarts: 1,
  redisDatasetMb: 64,
  expiredTokens: 1,
  faults: { serverError: 0.05, rateLimited: 0.02, spike: 0.01, spikeMs: [300, 1500] },
  drainTimeoutMs: 120_000,
  maxRunMs: 8 * 60_000,
};

/** The jest test (and `npm run chaos -- --small`): ~300 messages, 20 conversations, 1 worker. */
export const CHAOS_SMALL: Omit<ChaosOptions, 'launch'> = {
  ...CHAOS_FULL,
  conversations: 20,
  messagesPerConversation: 15,
  rate: 30,
  workers: 1,
  kills: 1,
  redisCrashWhileWorkerDown: true,
  drainTimeoutMs: 40_000,
  maxRunMs: 3 * 60_000,
};

/** A small deterministic PRNG (mulberry32): the same seed gives the same run plan. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Direction = 'inbound' | 'outbound';

interface Track {
  sent: number[];
  arrived: number[];
  /** Run time (ms) of each arrival, parallel to `arrived`. */
  arrivedAt: number[];
  /** How each accepted message was accepted: run time, attempts, the gateway's answers. */
  acceptance: Map<number, string>;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((): void => undefined);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = prng(seed);
  const started = Date.now();
  const since = (): number => Date.now() - started;
  const aborted = (): boolean => options.abort?.aborted === true;
  const timeline: ChaosEvent[] = [];
  const note = (what: string): void => {
    timeline.push({ atMs: since(), what });
    log(`[chaos ${(since() / 1000).toFixed(1).padStart(5)} s] ${what}`);
  };

  const supervisor = new ProcessSupervisor(options.maxRunMs);
  let redis: OwnRedis | undefined;
  let stack: Stack | undefined;
  let depth: QueueDepth | undefined;
  const faults = new RandomFaults(options.faults, random);
  let echoRedelivery: { stop(): void; redelivered(): number } | undefined;
  let watchingChats = false;
  let kills = 0;
  const tracks = new Map<string, Track>();
  const track = (c: number, d: Direction): Track => {
    const key = `${d}:${c}`;
    let t = tracks.get(key);
    if (!t) {
      t = { sent: [], arrived: [], arrivedAt: [], acceptance: new Map() };
      tracks.set(key, t);
    }
    return t;
  };
  let lastArrival = 0;
  let notices = 0;
  const noticeTexts: string[] = [];
  let notAccepted = 0;

  try {
    redis = await OwnRedis.start(supervisor);
    await redis.pad(options.redisDatasetMb);
    note(
      `own redis-server on ${redis.url} (AOF, appendfsync always, in ${redis.dir}; ${options.redisDatasetMb} MB of other data)`,
    );
    stack = await Stack.start({
      supervisor,
      launch: options.launch,
      redisUrl: redis.url,
      redisPrefix: 'chaos',
      maxLifetimeMs: options.maxRunMs,
      stopGraceMs: 3_000,
      workerEnv: {
        RELAY_CONCURRENCY: '8',
        // A dead worker's jobs are re-run after about this long (lock lease; stalled check at half).
        QUEUE_LOCK_DURATION_MS: '4000',
      },
    });
    const s = stack;
    const { livechat, meta } = s.emulators;
    const ig = s.business.igAccountId;
    faults.attach(s.emulators);
    if (options.upstreamLatencyMs) {
      livechat.setBaseLatency(options.upstreamLatencyMs);
      meta.setBaseLatency(options.upstreamLatencyMs);
      note(`every LiveChat and Graph call answered ${options.upstreamLatencyMs} ms late`);
    }
    echoRedelivery = redeliverFailedEchoes(meta);
    depth = new QueueDepth(redis.url, 'chaos', [
      QueueName.INSTAGRAM_INBOUND,
      QueueName.LIVECHAT_INBOUND,
    ]);

    // ------------------------------------------------------------ what arrives
    const chatOf = new Map<number, string>();
    s.emulators.onLiveChatEvent((event) => {
      if (event.customId?.startsWith('igl-notice:')) {
        notices += 1;
        if (noticeTexts.length < 5) {
          noticeTexts.push(`${event.customId}: ${event.text ?? ''}`);
        }
        return;
      }
      const parsed = parseBenchText(event.text);
      if (!parsed || parsed.tag !== 'in' || !event.customId?.startsWith('ig:')) {
        return;
      }
      const t = track(parsed.conversation, 'inbound');
      t.arrived.push(parsed.seq);
      t.arrivedAt.push(since());
      lastArrival = Date.now();
      if (!chatOf.has(parsed.conversation) && event.authorId) {
        const chat = livechat.state.activeChatOf(event.authorId);
        if (chat) {
          chatOf.set(parsed.conversation, chat.id);
        }
      }
    });
    s.emulators.onMetaSend((message) => {
      const parsed = parseBenchText(message.text);
      if (parsed?.tag === 'out') {
        const t = track(parsed.conversation, 'outbound');
        t.arrived.push(parsed.seq);
        t.arrivedAt.push(since());
        lastArrival = Date.now();
      }
    });
    const trim = setInterval(() => s.emulators.trimRecordings(), 5_000);
    trim.unref();

    const igsidOf = (c: number): string => `chaos-user-${c}`;
    s.addCustomers(Array.from({ length: options.conversations }, (_, c) => igsidOf(c)));

    await s.startGateway();
    // What the workers say about giving up on items or dropping order entries (rare, telling).
    const notable =
      /item failed for good|dropped an order entry|give-up hook failed|unknown account dropped/;
    const workerNotes: string[][] = [];
    // Job outcomes by queue (the workers' /metrics), summed over every worker, killed ones included.
    const outcomes = new Map<string, number>();
    const metricsPort = new Map<ManagedProcess, number>();
    const scrape = async (
      url: string,
      into: Map<string, number>,
      pattern: RegExp,
    ): Promise<void> => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        for (const line of (await res.text()).split('\n')) {
          const m = pattern.exec(line);
          if (m) {
            into.set(m[1], (into.get(m[1]) ?? 0) + Number(m[2]));
          }
        }
      } catch {
        // a worker that cannot answer contributes nothing
      }
    };
    const jobOutcome = /^igl_jobs_total\{([^}]*)\} (\d+(?:\.\d+)?)$/;
    const scrapeWorker = async (worker: ManagedProcess): Promise<void> => {
      const port = metricsPort.get(worker);
      if (port) {
        await scrape(`http://127.0.0.1:${port}/metrics`, outcomes, jobOutcome);
        metricsPort.delete(worker);
      }
    };
    const startWorker = async (): Promise<ManagedProcess> => {
      const port = await freePort();
      const worker = await s.startWorker({ METRICS_PORT: String(port) });
      metricsPort.set(worker, port);
      workerNotes.push(worker.watch(notable));
      return worker;
    };
    for (let i = 0; i < options.workers; i += 1) {
      await startWorker();
    }
    note(`gateway and ${options.workers} relay worker(s) up (${options.launch})`);

    // ------------------------------------------------------------ the plan
    const scripts: Direction[][] = Array.from({ length: options.conversations }, () =>
      Array.from({ length: options.messagesPerConversation }, (_, i) =>
        i === 0 || random() >= options.outboundShare ? 'inbound' : 'outbound',
      ),
    );
    const total = options.conversations * options.messagesPerConversation;
    let issued = 0;
    let nextSlot = Date.now();
    const interval = 1000 / options.rate;
    const pace = async (): Promise<void> => {
      nextSlot = Math.max(nextSlot + interval, Date.now());
      const wait = nextSlot - Date.now();
      if (wait > 0) {
        await sleep(wait);
      }
    };
    const trafficDeadline = Date.now() + options.maxRunMs - options.drainTimeoutMs - 30_000;
    const lastTimestamp = new Map<number, number>();

    /** A DM, redelivered (same bytes, as Meta does) until the gateway answers 200. */
    const sendInbound = async (c: number, seq: number): Promise<boolean> => {
      const timestamp = Math.max(Date.now(), (lastTimestamp.get(c) ?? 0) + 1);
      lastTimestamp.set(c, timestamp);
      const item = meta.build.message({
        igAccountId: ig,
        igsid: igsidOf(c),
        text: benchText('in', c, seq, Date.now()),
        mid: `chaos.${seed}.${c}.${seq}`,
        timestamp,
      });
      const firstAt = since();
      let delivery = await meta.sendBatch([{ igAccountId: ig, items: [item] }]);
      const answers = [delivery.status ?? delivery.error ?? '?'];
      for (let attempt = 1; delivery.status !== 200; attempt += 1) {
        if (Date.now() > trafficDeadline || aborted()) {
          return false;
        }
        await sleep(Math.min(2_000, 100 * attempt));
        delivery = await meta.redeliver(delivery);
        answers.push(delivery.status ?? delivery.error ?? '?');
      }
      track(c, 'inbound').acceptance.set(
        seq,
        `sent at ${(firstAt / 1000).toFixed(1)} s, accepted at ${(since() / 1000).toFixed(1)} s (${answers.join(' → ')})`,
      );
      return true;
    };

    /** An agent reply, its webhook redelivered until the gateway answers 200. */
    const sendOutbound = async (c: number, seq: number): Promise<boolean> => {
      // An agent answers in the chat the customer's first DM opened.
      for (;;) {
        if (chatOf.has(c)) {
          break;
        }
        if (Date.now() > trafficDeadline || aborted()) {
          return false;
        }
        await sleep(50);
      }
      const result = await livechat.agentSendsMessage(chatOf.get(c)!, {
        text: benchText('out', c, seq, Date.now()),
      });
      const sentAt = since();
      let ok = result.deliveries.some((d) => d.status === 200);
      const first = result.deliveries[0];
      for (let attempt = 1; !ok && first; attempt += 1) {
        if (Date.now() > trafficDeadline || aborted()) {
          return false;
        }
        await sleep(Math.min(2_000, 100 * attempt));
        const [again] = await livechat.deliverWebhook(first.body, first.url);
        ok = again?.status === 200;
      }
      if (ok) {
        track(c, 'outbound').acceptance.set(
          seq,
          `accepted ${(sentAt / 1000).toFixed(1)}–${(since() / 1000).toFixed(1)} s`,
        );
      }
      return ok;
    };

    // ------------------------------------------------------------ the faults, by progress
    const spread = (n: number, from: number, to: number): number[] =>
      n === 1
        ? [from]
        : Array.from({ length: n }, (_, i) => from + ((to - from) * i) / Math.max(1, n - 1));
    const killAt = spread(options.kills, options.kills === 1 ? 0.25 : 0.2, 0.7);
    const redisAt = options.redisCrashWhileWorkerDown
      ? []
      : spread(options.redisRestarts, 0.45, 0.6);
    const tokenAt = spread(options.expiredTokens, 0.35, 0.5);
    const plan = [
      ...killAt.map((at) => ({ at, kind: 'kill' as const })),
      ...redisAt.map((at) => ({ at, kind: 'redis' as const })),
      ...tokenAt.map((at) => ({ at, kind: 'token' as const })),
    ].sort((a, b) => a.at - b.at);
    let trafficDone = false;
    let lastFaultAt = 0;
    let monkeyError: unknown;
    const crashRedis = async (): Promise<void> => {
      const before = await depth!.depth().catch(() => NaN);
      note(
        `crash redis-server (SIGKILL) at ${((100 * issued) / total).toFixed(0)}% of the traffic, ${before} jobs queued`,
      );
      const { downMs } = await redis!.crashAndRestart();
      const after = await depth!.depth().catch(() => NaN);
      note(`redis-server back after ${downMs} ms; ${after} jobs queued after reloading its AOF`);
    };
    const monkey = (async () => {
      for (const step of plan) {
        while (!trafficDone && !aborted() && issued / total < step.at) {
          await sleep(20);
        }
        if (aborted()) {
          return;
        }
        if (step.kind === 'kill') {
          const victim = s.workers[0];
          if (!victim) {
            continue;
          }
          // Kill it while it works: wait (briefly) for a job in flight.
          let before = await depth.counts().catch(() => undefined);
          const busyDeadline = Date.now() + 2_000;
          while ((before?.active ?? 0) === 0 && Date.now() < busyDeadline) {
            await sleep(5);
            before = await depth.counts().catch(() => undefined);
          }
          note(
            `SIGKILL ${victim.name} (pid ${victim.pid}) at ${((100 * issued) / total).toFixed(0)}% of the traffic${before ? ` (jobs active ${before.active}, waiting ${before.waiting}, delayed ${before.delayed})` : ''}`,
          );
          await scrapeWorker(victim);
          await s.stopWorker(victim, 'SIGKILL');
          kills += 1;
          if (options.redisCrashWhileWorkerDown && redis.restarts < options.redisRestarts) {
            // Let the queue fill while no worker consumes, so the crash has something to keep.
            const deadline = Date.now() + 3_000;
            while (Date.now() < deadline && ((await depth.depth().catch(() => 0)) ?? 0) < 30) {
              await sleep(50);
            }
            await crashRedis();
          }
          const restarted = await startWorker();
          note(`restarted as ${restarted.name} (pid ${restarted.pid})`);
        } else if (step.kind === 'redis') {
          await crashRedis();
        } else {
          livechat.faults.inject({ route: 'send_event', expireToken: true, times: 1 });
          note('next send_event presents an expired customer token');
        }
        lastFaultAt = Date.now();
      }
    })().catch((error: unknown) => {
      // Rethrown once the traffic is done (a failed restart must fail the run, not crash it).
      monkeyError = error;
    });

    // ------------------------------------------------------------ the traffic
    faults.enabled = true;
    note(
      `traffic: ${total} messages over ${options.conversations} conversations at ${options.rate}/s, faults ${(options.faults.serverError * 100).toFixed(0)}% 5xx, ${(options.faults.rateLimited * 100).toFixed(0)}% 429, ${(options.faults.spike * 100).toFixed(0)}% spikes of ${options.faults.spikeMs.join('–')} ms (seed ${seed})`,
    );
    const trafficStarted = Date.now();
    // How each conversation's recorded chat evolves (when it is first known, whether it ever
    // changes): sampled from Postgres, for the diagnosis of replies dropped as "not our chat".
    const chatHistory = new Map<string, string[]>();
    watchingChats = true;
    const chatWatcher = withDatabase(s.db.url, async (ds) => {
      while (watchingChats) {
        const rows = await ds
          .query<Array<{ igsid: string; chat_id: string | null }>>(
            'SELECT igsid, chat_id FROM conversations',
          )
          .catch(() => []);
        for (const row of rows) {
          const history = chatHistory.get(row.igsid) ?? [];
          const value = row.chat_id ?? 'null';
          if (history.length === 0 || !history[history.length - 1].endsWith(` ${value}`)) {
            history.push(`${(since() / 1000).toFixed(1)} s ${value}`);
            chatHistory.set(row.igsid, history);
          }
        }
        await sleep(200);
      }
    }).catch(() => undefined);
    await Promise.all(
      scripts.map(async (script, c) => {
        for (const [seq, direction] of script.entries()) {
          if (aborted()) {
            return;
          }
          await pace();
          issued += 1;
          const accepted =
            direction === 'inbound' ? await sendInbound(c, seq) : await sendOutbound(c, seq);
          if (accepted) {
            track(c, direction).sent.push(seq);
          } else {
            notAccepted += 1;
          }
        }
      }),
    );
    trafficDone = true;
    await monkey;
    if (monkeyError) {
      throw monkeyError instanceof Error ? monkeyError : new Error('the fault schedule failed');
    }
    const trafficMs = Date.now() - trafficStarted;
    faults.enabled = false;
    lastFaultAt = Math.max(lastFaultAt, Date.now());
    note(`traffic done in ${(trafficMs / 1000).toFixed(1)} s; upstream faults stopped`);

    // ------------------------------------------------------------ drain
    const expected = (): number => [...tracks.values()].reduce((a, t) => a + t.sent.length, 0);
    const arrivedUnique = (): number =>
      [...tracks.values()].reduce((a, t) => a + new Set(t.arrived).size, 0);
    // Everything accepted has arrived — or the queues are empty and nothing has arrived for a
    // while (what is missing then is lost, not late) — or the drain timeout is over.
    const drainDeadline = Date.now() + options.drainTimeoutMs;
    let queueLeft = await depth.depth();
    let quietSince = Date.now();
    let lastCount = arrivedUnique();
    while (Date.now() < drainDeadline && !aborted()) {
      const count = arrivedUnique();
      if (count >= expected()) {
        break;
      }
      if (count !== lastCount) {
        lastCount = count;
        quietSince = Date.now();
      }
      queueLeft = await depth.depth();
      if (queueLeft === 0 && Date.now() - quietSince > 3_000) {
        break;
      }
      await sleep(100);
    }
    const complete = arrivedUnique() >= expected();
    const drainMs = Math.max(0, lastArrival - lastFaultAt);
    note(
      complete
        ? `all ${expected()} messages arrived, ${drainMs} ms after the last fault`
        : `${expected() - arrivedUnique()} of ${expected()} messages missing; the queues ${queueLeft === 0 ? 'are empty' : `still hold ${queueLeft} jobs`}`,
    );
    // Late duplicates would come from jobs still queued: wait (bounded) until the queues are empty.
    queueLeft = await depth.depth();
    const settleDeadline = Date.now() + 15_000;
    while (queueLeft > 0 && Date.now() < settleDeadline && !aborted()) {
      await sleep(100);
      queueLeft = await depth.depth();
    }
    clearInterval(trim);
    watchingChats = false;
    await chatWatcher;

    // ------------------------------------------------------------ verdict
    const lost: Finding[] = [];
    const duplicated: Finding[] = [];
    const reordered: Finding[] = [];
    let arrivedIn = 0;
    let arrivedOut = 0;
    let sentIn = 0;
    let sentOut = 0;
    for (const [key, t] of tracks) {
      const [direction, conv] = key.split(':') as [Direction, string];
      const conversation = Number(conv);
      if (direction === 'inbound') {
        sentIn += t.sent.length;
        arrivedIn += t.arrived.length;
      } else {
        sentOut += t.sent.length;
        arrivedOut += t.arrived.length;
      }
      const seen = new Set<number>();
      let highest = -1;
      for (const [i, seq] of t.arrived.entries()) {
        if (seen.has(seq)) {
          const copies = t.arrived
            .map((other, j) => (other === seq ? `${(t.arrivedAt[j] / 1000).toFixed(1)} s` : ''))
            .filter(Boolean);
          duplicated.push({
            conversation,
            direction,
            seq,
            detail: `copies at ${copies.join(', ')}; this one #${i}`,
          });
        }
        seen.add(seq);
        if (seq < highest) {
          reordered.push({ conversation, direction, seq, detail: `after ${highest}` });
        }
        highest = Math.max(highest, seq);
      }
      for (const seq of t.sent) {
        if (!seen.has(seq)) {
          lost.push({ conversation, direction, seq });
        }
      }
    }
    const counts = {
      ...faults.counts,
      kills,
      redisRestarts: redis.restarts,
      echoesRedelivered: echoRedelivery.redelivered(),
    };
    const failedSomething = lost.length + duplicated.length + reordered.length > 0;
    let diagnostics = '';
    if (failedSomething) {
      // Where the lost and duplicated messages' conversations stand: our rows and LiveChat's chats.
      const conversations = [...new Set([...lost, ...duplicated].map((f) => f.conversation))].slice(
        0,
        8,
      );
      const rows = await withDatabase(s.db.url, (ds) =>
        ds.query<
          Array<{
            igsid: string;
            chat_id: string | null;
            livechat_customer_id: string | null;
            last_inbound_at: Date | null;
          }>
        >(
          'SELECT igsid, chat_id, livechat_customer_id, last_inbound_at FROM conversations WHERE igsid = ANY($1)',
          [conversations.map(igsidOf)],
        ),
      ).catch(() => []);
      const lines = conversations.map((c) => {
        const row = rows.find((r) => r.igsid === igsidOf(c));
        const chats = row?.livechat_customer_id
          ? livechat.state.chatsOfCustomer(row.livechat_customer_id).map((chat) => chat.id)
          : [];
        const missing = [...lost, ...duplicated]
          .filter((f) => f.conversation === c)
          .map((f) => `${f.direction}#${f.seq}${f.detail ? ` (${f.detail})` : ''}`);
        const history = (chatHistory.get(igsidOf(c)) ?? []).join(' → ');
        const replies = tracks.get(`outbound:${c}`)?.acceptance;
        const replyTimes = replies
          ? [...replies.entries()]
              .filter(([seq]) => lost.some((f) => f.conversation === c && f.seq === seq))
              .map(([seq, how]) => `#${seq} ${how}`)
              .join('; ')
          : '';
        return `c${c}: ${missing.join(', ')}; recorded chat over time: ${history || '-'}; lost replies: ${replyTimes || '-'}; replies went to chat ${chatOf.get(c) ?? '-'}; our row: chat ${row?.chat_id ?? 'null'}, customer ${row?.livechat_customer_id ?? 'null'}, last inbound ${row?.last_inbound_at ? new Date(row.last_inbound_at).toISOString() : 'null'}; the customer's chats in LiveChat: ${chats.join(', ') || '-'}`;
      });
      // Each lost DM: its link row (did the relay claim or finish it?) and its job and order
      // entry in Redis (was it still queued?).
      const lostDms = lost.filter((f) => f.direction === 'inbound').slice(0, 8);
      const dmLines: string[] = [];
      if (lostDms.length > 0) {
        const keys = lostDms.map((f) => `m:chaos.${seed}.${f.conversation}.${f.seq}`);
        const links = await withDatabase(s.db.url, (ds) =>
          ds.query<Array<{ key: string; state: string; event: string | null; at: Date }>>(
            'SELECT instagram_message_id AS key, state, livechat_event_id AS event, created_at AS at FROM message_links WHERE instagram_message_id = ANY($1)',
            [keys],
          ),
        ).catch(() => []);
        const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
        try {
          for (const [i, f] of lostDms.entries()) {
            const jobId = jobIds.instagramItem(ig, keys[i]);
            const link = links.find((l) => l.key === keys[i]);
            const job = await client.hgetall(`chaos:${QueueName.INSTAGRAM_INBOUND}:${jobId}`);
            const order = await client.zscore(
              `chaos:order:ig:${ig}:${igsidOf(f.conversation)}`,
              jobId,
            );
            const acceptance =
              tracks.get(`inbound:${f.conversation}`)?.acceptance.get(f.seq) ?? '?';
            dmLines.push(
              `inbound c${f.conversation}#${f.seq} (${acceptance}): link ${link ? `${link.state} (event ${link.event ?? '-'}, claimed ${new Date(link.at).toISOString()})` : 'none'}; job ${jobId} ${Object.keys(job).length > 0 ? `in Redis (failedReason ${job.failedReason ?? '-'}, attempts ${job.attemptsMade ?? '?'})` : 'not in Redis'}; order entry ${order ?? 'none'}`,
            );
          }
        } finally {
          client.disconnect();
        }
      }
      for (const worker of s.workers) {
        await scrapeWorker(worker);
      }
      const intake = new Map<string, number>();
      await scrape(
        `${s.gatewayUrl}/metrics`,
        intake,
        /^igl_webhooks_received_total\{([^}]*)\} (\d+(?:\.\d+)?)$/,
      );
      diagnostics = [
        '--- job outcomes (relay workers, killed ones counted up to their kill)',
        ...[...outcomes.entries()].map(([labels, n]) => `${labels}: ${n}`),
        '--- webhooks received by the gateway',
        ...[...intake.entries()].map(([labels, n]) => `${labels}: ${n}`),
        '--- conversations with lost or duplicated messages',
        ...lines,
        ...dmLines,
        '--- what the workers said about giving up or dropping order entries',
        ...workerNotes.flat().slice(0, 20),
        ...[s.gateway, ...s.workers]
          .filter((p): p is NonNullable<typeof p> => p !== undefined)
          .map((p) => `--- ${p.name} (last lines)\n${p.tail(15)}`),
      ].join('\n');
    }
    const checks = [
      { name: 'messages lost', ok: lost.length === 0, detail: String(lost.length) },
      {
        name: 'messages duplicated',
        ok: duplicated.length === 0,
        detail: String(duplicated.length),
      },
      {
        name: 'reordered within a conversation',
        ok: reordered.length === 0,
        detail: String(reordered.length),
      },
      {
        name: 'every planned fault happened',
        ok:
          kills === options.kills &&
          redis.restarts === options.redisRestarts &&
          counts.expiredToken >= options.expiredTokens &&
          (options.faults.serverError === 0 || counts.serverError > 0) &&
          (options.faults.rateLimited === 0 || counts.rateLimited > 0),
        detail: `${kills} kills, ${redis.restarts} Redis restarts, ${counts.expiredToken} expired token, ${counts.serverError} 5xx, ${counts.rateLimited} 429, ${counts.spike} spikes`,
      },
    ];
    return {
      seed,
      sent: { inbound: sentIn, outbound: sentOut },
      notAccepted,
      arrived: { inbound: arrivedIn, outbound: arrivedOut },
      lost,
      duplicated,
      reordered,
      notices,
      noticeTexts,
      faults: counts,
      timeline,
      drainMs,
      drained: complete,
      trafficMs,
      durationMs: Date.now() - started,
      queueLeft,
      checks,
      passed: checks.every((c) => c.ok),
      diagnostics,
    };
  } finally {
    faults.enabled = false;
    watchingChats = false;
    echoRedelivery?.stop();
    await depth?.close().catch(() => undefined);
    await stack?.close().catch((error: unknown) => log(`cleanup: ${String(error)}`));
    await redis?.stop().catch(() => undefined);
    await supervisor.stopAll(3_000);
    supervisor.dispose();
  }
}

/** The printed summary (also pasted into docs/benchmarks.md by `npm run chaos`). */
export function formatChaosReport(report: ChaosReport, options: ChaosOptions): string {
  const lines: string[] = [];
  const sent = report.sent.inbound + report.sent.outbound;
  const sample = (list: Finding[]): string =>
    list.length === 0
      ? ''
      : ` — e.g. ${list
          .slice(0, 5)
          .map(
            (f) => `${f.direction} c${f.conversation}#${f.seq}${f.detail ? ` (${f.detail})` : ''}`,
          )
          .join(', ')}`;
  lines.push(
    `messages: ${sent} accepted by the gateway (${report.sent.inbound} Instagram DMs, ${report.sent.outbound} agent replies) across ${options.conversations} conversations; ${report.notAccepted} never accepted`,
  );
  lines.push(
    `arrived: ${report.arrived.inbound} in LiveChat, ${report.arrived.outbound} at the Send API`,
  );
  lines.push(`messages lost: ${report.lost.length}${sample(report.lost)}`);
  lines.push(`messages duplicated: ${report.duplicated.length}${sample(report.duplicated)}`);
  lines.push(
    `reordered within a conversation: ${report.reordered.length}${sample(report.reordered)}`,
  );
  if (options.upstreamLatencyMs) {
    lines.push(`upstream latency: ${options.upstreamLatencyMs} ms on every LiveChat and Graph call`);
  }
  lines.push(
    `faults: relay worker SIGKILLed and restarted ×${report.faults.kills}, Redis crashed and restarted ×${report.faults.redisRestarts}, expired token ×${report.faults.expiredToken}, upstream 5xx ×${report.faults.serverError}, 429 ×${report.faults.rateLimited}, latency spikes ×${report.faults.spike}`,
  );
  lines.push(
    `echoes redelivered (Meta retries what the gateway did not accept): ${report.faults.echoesRedelivered}`,
  );
  lines.push(
    `time to drain after the last fault: ${(report.drainMs / 1000).toFixed(1)} s${report.drained ? '' : ' (to the last message that arrived; the rest never did)'}`,
  );
  lines.push(
    `agent notices posted: ${report.notices}; jobs left in the relay queues: ${report.queueLeft}`,
  );
  for (const text of report.noticeTexts) {
    lines.push(`  notice ${text.slice(0, 200)}`);
  }
  lines.push(
    `traffic ${(report.trafficMs / 1000).toFixed(1)} s, whole run ${(report.durationMs / 1000).toFixed(1)} s, seed ${report.seed}`,
  );
  for (const check of report.checks) {
    lines.push(`  ${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  }
  const passed = report.checks.filter((c) => c.ok).length;
  lines.push(`chaos: ${passed} passed, ${report.checks.length - passed} failed`);
  return lines.join('\n');
}
