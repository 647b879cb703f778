import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (bench/lib/ → ../..). */
export const REPO_ROOT = join(__dirname, '..', '..');
const PARENT_WATCH = join(REPO_ROOT, 'bench', 'lib', 'parent-watch.js');
const GUARD = join(REPO_ROOT, 'bench', 'lib', 'guard.js');
const OUTPUT_KEEP_CHARS = 64 * 1024;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** The process exits by itself after this long, whatever happens to us (default 15 min). */
  maxLifetimeMs?: number;
}

/** A child process we started: its output (last 64 KB), exit, resident memory, and how to stop it. */
export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private out = '';
  private exitInfo?: ExitInfo;
  private readonly listeners = new Set<() => void>();
  private readonly watches: Array<{ pattern: RegExp; lines: string[]; partial: string }> = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const append = (chunk: Buffer): void => {
      const text = chunk.toString();
      for (const watch of this.watches) {
        const parts = (watch.partial + text).split('\n');
        watch.partial = parts.pop() ?? '';
        for (const line of parts) {
          if (watch.pattern.test(line) && watch.lines.length < 200) {
            watch.lines.push(line);
          }
        }
      }
      this.out += text;
      if (this.out.length > OUTPUT_KEEP_CHARS * 2) {
        this.out = this.out.slice(-OUTPUT_KEEP_CHARS);
      }
      for (const listener of this.listeners) {
        listener();
      }
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        for (const listener of this.listeners) {
          listener();
        }
        resolve(this.exitInfo);
      });
      child.on('error', (error) => {
        this.out += `\n[spawn error] ${error.message}\n`;
        this.exitInfo ??= { code: 127, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  output(): string {
    return this.out;
  }

  /** Collects (up to 200) output lines matching `pattern` from now on, however long the run. */
  watch(pattern: RegExp): string[] {
    const lines: string[] = [];
    this.watches.push({ pattern, lines, partial: '' });
    return lines;
  }

  /** The last `lines` lines of output (for error messages). */
  tail(lines = 30): string {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Waits until the output matches `pattern`; fails if the process exits first or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(this.out)) {
          done();
          resolve();
        } else if (this.exitInfo) {
          done();
          reject(
            new Error(
              `${this.name} exited (${this.exitInfo.code ?? this.exitInfo.signal}) before printing ${pattern}:\n${this.tail()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms; output:\n${this.tail()}`),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) {
      try {
        this.child.kill(signal);
      } catch {
        // already gone
      }
    }
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<ExitInfo> {
    if (!this.running) {
      return this.exited;
    }
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resident set size in bytes (Linux /proc), undefined once gone. */
  rssBytes(): number | undefined {
    if (!this.running || this.pid <= 0) {
      return undefined;
    }
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return match ? Number(match[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** CPU time used so far (user + system), in ms (Linux /proc). */
  cpuMs(): number | undefined {
    if (!this.running || this.pid <= 0) {
      return undefined;
    }
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      return undefined;
    }
  }
}

/**
 * Every process a run starts goes through here, so every one is stopped: on normal completion
 * (`stopAll` in a finally block), on SIGINT/SIGTERM, and on process exit (SIGKILL, synchronously).
 * Each child also watches us (parent-watch.js / guard.js) and has a maximum lifetime.
 */
export class ProcessSupervisor {
  private readonly processes = new Set<ManagedProcess>();
  private readonly onExit = (): void => {
    for (const p of this.processes) {
      p.signal('SIGKILL');
    }
  };
  private cleanup?: () => Promise<void>;
  /** Set once SIGINT/SIGTERM arrived (the run then fails on purpose: not an error to report). */
  interrupted = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.interrupted = true;
    process.stderr.write(`\n${signal}: stopping every process this run started…\n`);
    // Bounded: whatever happens, the process exits within 30 s.
    setTimeout(() => process.exit(130), 30_000).unref();
    void this.stopAll(2_000)
      .then(() => this.cleanup?.())
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  private handlersInstalled = false;

  constructor(private readonly defaultLifetimeMs = 15 * 60_000) {}

  /**
   * Installs SIGINT/SIGTERM handlers (for CLI runs; jest manages its own signals): stop every
   * process, run `cleanup` (drop the database, delete keys and temporary files), exit 130.
   */
  handleSignals(cleanup?: () => Promise<void>): this {
    this.cleanup = cleanup;
    if (!this.handlersInstalled) {
      this.handlersInstalled = true;
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
    }
    return this;
  }

  private exitHookInstalled = false;

  private track(p: ManagedProcess): ManagedProcess {
    if (!this.exitHookInstalled) {
      this.exitHookInstalled = true;
      process.on('exit', this.onExit);
    }
    this.processes.add(p);
    void p.exited.then(() => this.processes.delete(p));
    return p;
  }

  private childEnv(options: StartOptions): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...options.env,
      BENCH_PARENT_PID: String(process.pid),
      BENCH_MAX_LIFETIME_MS: String(options.maxLifetimeMs ?? this.defaultLifetimeMs),
    };
  }

  /** A Node script (plain JS or, with ts-node flags in `nodeArgs`, TS) with the parent watch. */
  startNode(
    name: string,
    nodeArgs: string[],
    script: string,
    scriptArgs: string[],
    options: StartOptions = {},
  ): ManagedProcess {
    const child = spawn(
      process.execPath,
      [...nodeArgs, '-r', PARENT_WATCH, script, ...scriptArgs],
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: this.childEnv(options),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return this.track(new ManagedProcess(name, child));
  }

  /** A TypeScript file of ours run with ts-node (transpile only) and the repo's path aliases. */
  startTs(
    name: string,
    file: string,
    args: string[],
    options: StartOptions = {},
    nodeArgs: string[] = [],
  ): ManagedProcess {
    return this.startNode(
      name,
      [...nodeArgs, '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
      file,
      args,
      { ...options, env: { TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'), ...options.env } },
    );
  }

  /** Any other program, under guard.js (which dies with us); SIGUSR2 to it SIGKILLs the program. */
  startGuarded(
    name: string,
    command: string,
    args: string[],
    options: StartOptions = {},
  ): ManagedProcess {
    const lifetime = options.maxLifetimeMs ?? this.defaultLifetimeMs;
    const child = spawn(process.execPath, [GUARD, String(lifetime), command, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: this.childEnv(options),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return this.track(new ManagedProcess(name, child));
  }

  /** Stops everything still running: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    await Promise.all([...this.processes].map((p) => p.stop(graceMs)));
  }

  /** Number of processes still running. */
  get running(): number {
    return this.processes.size;
  }

  /** Pids of the processes still running. */
  pids(): number[] {
    return [...this.processes].map((p) => p.pid).filter((pid) => pid > 0);
  }

  dispose(): void {
    process.removeListener('exit', this.onExit);
    this.exitHookInstalled = false;
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    this.handlersInstalled = false;
  }
}
