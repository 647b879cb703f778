import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import Queue from 'bull';
import Redis from 'ioredis';
import { ManagedProcess } from './processes';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function mb(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function fixed(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until truthy or the deadline; returns whether it became true. */
export async function pollUntil(
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) {
      return true;
    }
    if (Date.now() > deadline) {
      return false;
    }
    await sleep(intervalMs);
  }
}

/** Highest resident memory seen per process while sampling. */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly processes: () => ManagedProcess[]) {}

  sampleNow(): Map<string, number> {
    const now = new Map<string, number>();
    for (const p of this.processes()) {
      const rss = p.rssBytes();
      if (rss !== undefined) {
        now.set(p.name, rss);
        this.peaks.set(p.name, Math.max(this.peaks.get(p.name) ?? 0, rss));
      }
    }
    return now;
  }

  start(intervalMs = 250): void {
    this.stop();
    this.timer = setInterval(() => this.sampleNow(), intervalMs);
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  peak(name: string): number | undefined {
    return this.peaks.get(name);
  }

  reset(): void {
    this.peaks.clear();
  }

  /** Peaks of every process whose name starts with `prefix`. */
  peakOf(prefix: string): number | undefined {
    let best: number | undefined;
    for (const [name, value] of this.peaks) {
      if (name.startsWith(prefix)) {
        best = Math.max(best ?? 0, value);
      }
    }
    return best;
  }
}

/** Deletes every key under `prefix:` (SCAN + UNLINK): a run's queues, order index and caches. */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 2000);
      cursor = next;
      if (keys.length > 0) {
        deleted += await redis.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Waiting + active + delayed jobs of the relay's queues (read-only Bull clients). */
export class QueueDepth {
  private readonly queues: Queue.Queue[];

  constructor(url: string, prefix: string, names: string[]) {
    this.queues = names.map((name) => new Queue(name, url, { prefix }));
  }

  async depth(): Promise<number> {
    const counts = await this.counts();
    return counts.waiting + counts.active + counts.delayed;
  }

  async counts(): Promise<{ waiting: number; active: number; delayed: number }> {
    const total = { waiting: 0, active: 0, delayed: 0 };
    for (const queue of this.queues) {
      const counts = await queue.getJobCounts();
      total.waiting += counts.waiting;
      total.active += counts.active;
      total.delayed += counts.delayed;
    }
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: string;
  node: string;
  postgres: string;
  redis: string;
  os: string;
}

function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: 5_000 }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

export async function machineInfo(
  postgresVersion: () => Promise<string>,
  redisUrl: string,
): Promise<MachineInfo> {
  let redisVersion = 'unknown';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('server');
    redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    // reported as unknown
  } finally {
    redis.disconnect();
  }
  let os = 'unknown';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // not Linux
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    postgres: await postgresVersion().catch(() => 'unknown'),
    redis: redisVersion,
    os: `${os}, kernel ${firstLine('uname', ['-r'])}`,
  };
}

const CLOCK_TICKS_PER_S = 100;

function procCpuMs(pid: number | 'self', includeChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks =
      Number(f[11]) + Number(f[12]) + (includeChildren ? Number(f[13]) + Number(f[14]) : 0);
    return (ticks * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** CPU (ms) of the processes whose command line matches: e.g. one database's Postgres backends. */
export function cpuOfProcesses(match: (cmdline: string) => boolean): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (match(cmdline)) {
        total += procCpuMs(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

interface LoadSnapshot {
  at: number;
  busyMs: number;
  oursMs: number;
}

/**
 * How busy the machine was, and how much of it was not this run (other users of a shared
 * machine skew every number here, so the report says how much there was).
 */
export class MachineLoad {
  private readonly start: LoadSnapshot;

  constructor(
    private readonly children: () => number[],
    private readonly ourServices: () => number,
  ) {
    this.start = this.snapshot();
  }

  private snapshot(): LoadSnapshot {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
    const v = line.map(Number);
    // user nice system idle iowait irq softirq steal
    const busyTicks = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    let ours = procCpuMs('self', true);
    for (const pid of this.children()) {
      ours += procCpuMs(pid);
    }
    ours += this.ourServices();
    return { at: Date.now(), busyMs: (busyTicks * 1000) / CLOCK_TICKS_PER_S, oursMs: ours };
  }

  /** Shares of the machine's capacity since construction: busy, this run, everybody else. */
  since(): { busy: number; ours: number; foreign: number; load1: number } {
    const now = this.snapshot();
    const capacity = ((now.at - this.start.at) * cpus().length) / 1;
    const busy = (now.busyMs - this.start.busyMs) / capacity;
    const ours = Math.min(busy, (now.oursMs - this.start.oursMs) / capacity);
    return { busy, ours, foreign: Math.max(0, busy - ours), load1: loadavg()[0] };
  }
}

/** The commit the apps were built from, and whether apps/ or libs/ differ from it. */
export function sourceVersion(cwd: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} + uncommitted changes in apps/ or libs/` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Redis commands by name (INFO commandstats) and Postgres transactions of one database. */
export interface ServerCalls {
  redis: Map<string, number>;
  pgTransactions: number;
}

/**
 * Calls the relay makes on the shared servers, read before and after a drain: what a message
 * costs in Redis commands and Postgres transactions (each statement outside a transaction is
 * one). Redis counts every client on the server and the commands a script runs as well as the
 * script itself, so the figures are an upper bound on this run's round trips.
 */
export async function serverCalls(
  redisUrl: string,
  pgTransactions: () => Promise<number>,
): Promise<ServerCalls> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const info = await redis.info('commandstats');
    const calls = new Map<string, number>();
    for (const line of info.split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
      if (match) {
        calls.set(match[1], Number(match[2]));
      }
    }
    return { redis: calls, pgTransactions: await pgTransactions() };
  } finally {
    redis.disconnect();
  }
}

/** Per message, between two readings: Redis commands in all and the most frequent, Postgres. */
export function serverCallsPerMessage(
  before: ServerCalls,
  after: ServerCalls,
  messages: number,
): { redis: number; top: Array<[string, number]>; postgres: number } {
  const diff: Array<[string, number]> = [];
  let total = 0;
  for (const [name, calls] of after.redis) {
    const delta = calls - (before.redis.get(name) ?? 0);
    if (delta > 0 && name !== 'info') {
      diff.push([name, delta / messages]);
      total += delta;
    }
  }
  diff.sort((a, b) => b[1] - a[1]);
  return {
    redis: total / messages,
    top: diff.slice(0, 6),
    postgres: (after.pgTransactions - before.pgTransactions) / messages,
  };
}
