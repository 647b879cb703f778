import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './environment';
import { ManagedProcess, ProcessSupervisor } from './processes';

/** Fails with how to install redis-server when it is not on PATH. */
export function requireRedisServer(): string {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'The chaos run needs the `redis-server` binary on PATH (it starts and restarts a Redis of its own ' +
        'on a spare loopback port, never the shared one).\n' +
        '  Debian/Ubuntu: apt-get install redis-server     macOS: brew install redis\n' +
        '  or put a Redis 6+ build on PATH.',
    );
  }
  return probe.stdout.trim();
}

/** Persistence settings of the run's Redis unless told otherwise: as docker-compose.yml runs it. */
export const DEFAULT_REDIS_PERSISTENCE = [
  '--save',
  '',
  '--appendonly',
  'yes',
  '--appendfsync',
  'always',
];

/**
 * A redis-server of the run's own on a spare loopback port. Its queue must survive a restart for
 * the restart to test anything, so by default it runs with an append-only file fsynced on every
 * write (`--appendonly yes --appendfsync always`, as docker-compose.yml does), in a temporary
 * directory removed at the end; RDB snapshots stay off (`--save ""`). `persistence` replaces
 * those settings (the security test passes the compose file's own).
 */
export class OwnRedis {
  proc?: ManagedProcess;
  restarts = 0;

  private constructor(
    private readonly supervisor: ProcessSupervisor,
    readonly port: number,
    readonly dir: string,
    private readonly persistence: readonly string[] = DEFAULT_REDIS_PERSISTENCE,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(
    supervisor: ProcessSupervisor,
    options: { persistence?: readonly string[] } = {},
  ): Promise<OwnRedis> {
    requireRedisServer();
    const dir = mkdtempSync(join(tmpdir(), 'igl-chaos-redis-'));
    const redis = new OwnRedis(supervisor, await freePort(), dir, options.persistence);
    try {
      await redis.launch();
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  private async launch(): Promise<void> {
    this.proc = this.supervisor.startGuarded('redis-server', 'redis-server', [
      '--bind',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--dir',
      this.dir,
      ...this.persistence,
      '--protected-mode',
      'yes',
      '--daemonize',
      'no',
    ]);
    await this.waitForPing(20_000);
  }

  private async waitForPing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new Redis(this.url, {
        lazyConnect: true,
        connectTimeout: 500,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined); // refused while it starts: expected
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') {
          return;
        }
      } catch {
        // loading the AOF, or not listening yet
      } finally {
        client.disconnect();
      }
      if (!this.proc?.running) {
        throw new Error(`redis-server exited during start:\n${this.proc?.tail() ?? ''}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`redis-server on port ${this.port} did not answer within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Unrelated data (`pad:*` keys, outside the apps' prefix) so that a restart spends a moment
   * loading its AOF, as a production Redis holding data does: meanwhile clients get `LOADING`.
   */
  async pad(megabytes: number): Promise<void> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 3 });
    try {
      const value = 'x'.repeat(1024);
      for (let batch = 0; batch < megabytes; batch += 1) {
        const pipeline = client.pipeline();
        for (let i = 0; i < 1024; i += 1) {
          pipeline.set(`pad:${batch}:${i}`, value);
        }
        await pipeline.exec();
      }
    } finally {
      client.disconnect();
    }
  }

  /** SIGKILL (a crash: no shutdown save), then start again on the same port from the AOF. */
  async crashAndRestart(): Promise<{ downMs: number }> {
    const started = Date.now();
    const proc = this.proc;
    if (proc) {
      proc.signal('SIGUSR2'); // guard.js SIGKILLs redis-server
      await proc.exited;
    }
    await this.launch();
    this.restarts += 1;
    return { downMs: Date.now() - started };
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
