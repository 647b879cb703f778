import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  InstagramAccountRepository,
  InstallationRepository,
  PersistenceModule,
} from '@app/persistence';
import type { OrganizationHandle } from '../../test/emulators/livechat';
import type { SeededBusiness } from '../../test/emulators/meta';
import { connectionOf, grantOf } from '../../test/support/seeded-records';
import { AppLaunch, READY_LINE, startApp } from './apps';
import { Emulators, startEmulators } from './emulators';
import {
  appEnv,
  createRunDatabase,
  freePort,
  LIVECHAT_WEBHOOK_SECRET,
  newEncryptionKey,
  RunDatabase,
} from './environment';
import { ManagedProcess, ProcessSupervisor } from './processes';

export interface Business {
  org: OrganizationHandle;
  meta: SeededBusiness;
  installationId: string;
  accountId: string;
  igAccountId: string;
}

export interface StackOptions {
  supervisor: ProcessSupervisor;
  launch: AppLaunch;
  redisUrl: string;
  redisPrefix: string;
  /** Extra env for every app process (both gateway and workers). */
  env?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  log?: (line: string) => void;
  /** Lifetime cap of every process started (they exit by themselves after it). */
  maxLifetimeMs?: number;
  /** SIGTERM grace before SIGKILL when stopping an app (default 10 s). */
  stopGraceMs?: number;
}

/**
 * The product on this machine: a database of its own (migrated), the LiveChat and Meta emulators
 * in this process, the gateway and relay workers as processes of their own (`node dist/...` or
 * ts-node), one LiveChat organization with one connected Instagram account.
 */
export class Stack {
  emulators!: Emulators;
  db!: RunDatabase;
  vars!: Record<string, string>;
  gateway?: ManagedProcess;
  gatewayUrl = '';
  business!: Business;
  readonly workers: ManagedProcess[] = [];
  private workerCount = 0;

  private constructor(private readonly options: StackOptions) {}

  get supervisor(): ProcessSupervisor {
    return this.options.supervisor;
  }

  get prefix(): string {
    return this.options.redisPrefix;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  static async start(options: StackOptions): Promise<Stack> {
    const stack = new Stack(options);
    try {
      stack.emulators = await startEmulators();
      stack.db = await createRunDatabase();
      const port = await freePort();
      stack.gatewayUrl = `http://127.0.0.1:${port}`;
      stack.vars = appEnv(
        {
          databaseUrl: stack.db.url,
          redisUrl: options.redisUrl,
          redisPrefix: options.redisPrefix,
          tokenEncryptionKey: newEncryptionKey(),
          metaUrl: stack.emulators.meta.url,
          livechatUrl: stack.emulators.livechat.url,
          livechatClientId: stack.emulators.livechat.clientId,
          livechatClientSecret: stack.emulators.livechat.clientSecret,
          publicUrl: stack.gatewayUrl,
        },
        { PORT: String(port), ...options.env },
      );
      stack.business = await stack.seedBusiness();
      stack.emulators.meta.setWebhookUrl(`${stack.gatewayUrl}/webhooks/instagram`);
      stack.emulators.livechat.registerWebhook({
        url: `${stack.gatewayUrl}/webhooks/livechat`,
        action: 'incoming_event',
        secretKey: LIVECHAT_WEBHOOK_SECRET,
        // As docs/marketplace-and-meta-setup.md registers it: agents' events only, with the
        // chat's properties (our mark: the gateway drops other chats' events) and presence list
        // (lets the relay recognise a chat it started a moment ago).
        filters: { authorType: 'agent' },
        additionalData: ['chat_properties', 'chat_presence_user_ids'],
        organizationId: stack.business.org.organizationId,
      });
      return stack;
    } catch (error) {
      await stack.close().catch(() => undefined);
      throw error;
    }
  }

  /** What World.connectBusiness does, through the app's own repositories (same encryption key). */
  private async seedBusiness(): Promise<Business> {
    const { livechat, meta } = this.emulators;
    const org = livechat.state.createOrganization();
    const seeded = meta.state.seedBusiness();
    const context = await NestFactory.createApplicationContext(
      PersistenceModule.forRoot({
        databaseUrl: this.vars.DATABASE_URL,
        tokenEncryptionKey: this.vars.TOKEN_ENCRYPTION_KEY,
        applicationName: 'bench-seed',
        poolSize: 2,
      }),
      { logger: false },
    );
    try {
      const installation = await context.get(InstallationRepository).upsertGrant(grantOf(org));
      const account = await context
        .get(InstagramAccountRepository)
        .connect(connectionOf(installation.id, seeded));
      return {
        org,
        meta: seeded,
        installationId: installation.id,
        accountId: account.id,
        igAccountId: seeded.igAccount.id,
      };
    } finally {
      await context.close();
    }
  }

  /** Instagram users who can write and be answered (known to Meta, window open). */
  addCustomers(igsids: string[]): void {
    const { meta } = this.emulators;
    for (const igsid of igsids) {
      meta.state.addCustomer({ igAccountId: this.business.igAccountId, igsid });
      meta.state.setLastCustomerMessageAt(this.business.igAccountId, igsid, Date.now());
    }
  }

  private nodeArgs(name: string, profileDir?: string): string[] {
    return profileDir
      ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${name}.cpuprofile`]
      : [];
  }

  /** The gateway process; `profileDir` runs it with `--cpu-prof` (written when it stops). */
  async startGateway(
    env: Record<string, string> = {},
    profileDir?: string,
  ): Promise<ManagedProcess> {
    const gateway = startApp(
      this.supervisor,
      'gateway',
      this.options.launch,
      'gateway',
      { ...this.vars, ...this.options.gatewayEnv, ...env },
      { nodeArgs: this.nodeArgs('gateway', profileDir), maxLifetimeMs: this.options.maxLifetimeMs },
    );
    this.gateway = gateway;
    await this.waitForHttp(gateway, `${this.gatewayUrl}/health/live`, 90_000);
    this.log(`gateway up (pid ${gateway.pid}) at ${this.gatewayUrl}`);
    return gateway;
  }

  async stopGateway(): Promise<void> {
    await this.gateway?.stop(this.options.stopGraceMs);
    this.gateway = undefined;
  }

  /** A relay worker process; resolves once it says it consumes. */
  async startWorker(
    env: Record<string, string> = {},
    profileDir?: string,
  ): Promise<ManagedProcess> {
    this.workerCount += 1;
    const name = `relay-worker-${this.workerCount}`;
    const worker = startApp(
      this.supervisor,
      'relay-worker',
      this.options.launch,
      name,
      // LOG_LEVEL log: the worker prints "relay-worker started" once its processors run (it logs
      // nothing per job at this level).
      { ...this.vars, LOG_LEVEL: 'log', ...this.options.workerEnv, ...env },
      { nodeArgs: this.nodeArgs(name, profileDir), maxLifetimeMs: this.options.maxLifetimeMs },
    );
    this.workers.push(worker);
    await worker.waitForOutput(READY_LINE['relay-worker'], 90_000);
    this.log(`${name} up (pid ${worker.pid})`);
    return worker;
  }

  /** SIGTERM (graceful: in-flight jobs finish) or SIGKILL (a crash). */
  async stopWorker(worker: ManagedProcess, how: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (how === 'SIGKILL') {
      await worker.kill();
    } else {
      await worker.stop(this.options.stopGraceMs);
    }
    const index = this.workers.indexOf(worker);
    if (index >= 0) {
      this.workers.splice(index, 1);
    }
  }

  async stopWorkers(): Promise<void> {
    for (const worker of [...this.workers]) {
      await this.stopWorker(worker);
    }
  }

  private async waitForHttp(proc: ManagedProcess, url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!proc.running) {
        throw new Error(`${proc.name} exited during start:\n${proc.tail()}`);
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.ok) {
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${proc.tail()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the apps, the emulators, and drops the database. Safe to call twice. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (error) {
        errors.push(error);
      }
    };
    for (const worker of this.workers.splice(0)) {
      await attempt(() => worker.stop(this.options.stopGraceMs));
    }
    await attempt(() => this.stopGateway());
    if (this.emulators) {
      await attempt(() => this.emulators.close());
    }
    if (this.db) {
      await attempt(() => this.db.drop());
    }
    if (errors.length > 0) {
      throw errors[0];
    }
  }
}
