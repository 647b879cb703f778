import { INestApplicationContext } from '@nestjs/common';
import { PAGE_SUBSCRIBED_FIELDS } from '@app/credentials';
import {
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
} from '@app/persistence';
import { JsonLogger, loadEnv } from '@app/platform';
import { CleanupWorkerEnv } from '../../apps/cleanup-worker/src/config/cleanup-worker.env';
import { createCleanupWorker } from '../../apps/cleanup-worker/src/create-cleanup-worker';
import { RelayWorkerEnv } from '../../apps/relay-worker/src/config/relay-worker.env';
import { createRelayWorker } from '../../apps/relay-worker/src/create-relay-worker';
import { LiveChatEmulator, OrganizationHandle, startLiveChatEmulator } from '../emulators/livechat';
import { MetaEmulator, SeededBusiness, startMetaEmulator } from '../emulators/meta';
import { createServer } from 'node:net';
import { GatewayEnv } from '../../apps/gateway/src/config/gateway.env';
import { createGateway } from '../../apps/gateway/src/create-gateway';
import { RunningGateway, startGateway } from './gateway-harness';
import { createTestDatabase, TestDatabase } from './test-database';
import { baseTestEnv } from './test-env';
import { connectionOf, grantOf } from './seeded-records';
import { deleteKeysWithPrefix, keysWithPrefix, valuesWithPrefix } from './test-redis';

export interface ConnectedBusiness {
  org: OrganizationHandle;
  meta: SeededBusiness;
  installation: InstallationEntity;
  account: InstagramAccountEntity;
}

/**
 * The whole product on one machine: real Postgres (a database of the file's own), real Redis
 * (a prefix of its own), the gateway on a free port, relay and cleanup workers in-process, and
 * the LiveChat and Meta emulators. Every test file that needs it starts one and closes it.
 */
export class World {
  gateway!: RunningGateway;
  livechat!: LiveChatEmulator;
  meta!: MetaEmulator;
  db!: TestDatabase;
  vars!: Record<string, string>;
  readonly workers: INestApplicationContext[] = [];

  get prefix(): string {
    return this.vars.REDIS_KEY_PREFIX;
  }

  /** True: the apps log through the real JSON logger (to stdout/stderr) at LOG_LEVEL. */
  logs = false;

  static async start(
    options: {
      relayWorkers?: number;
      cleanupWorkers?: number;
      env?: Record<string, string>;
      logs?: boolean;
      /** Configure Instagram Login (the Instagram app and the emulated Instagram hosts). */
      instagramLogin?: boolean;
    } = {},
  ): Promise<World> {
    const world = new World();
    world.logs = options.logs ?? process.env.TEST_LOGS === '1';
    world.livechat = await startLiveChatEmulator({ autoApprove: true });
    world.meta = await startMetaEmulator({
      appId: '1234567890',
      appSecret: 'test-meta-app-secret',
    });
    world.db = await createTestDatabase();
    world.vars = baseTestEnv({
      DATABASE_URL: world.db.url,
      META_GRAPH_URL: world.meta.url,
      META_OAUTH_URL: world.meta.url,
      LIVECHAT_API_URL: world.livechat.url,
      LIVECHAT_ACCOUNTS_URL: world.livechat.url,
      LIVECHAT_CLIENT_ID: world.livechat.clientId,
      LIVECHAT_CLIENT_SECRET: world.livechat.clientSecret,
      ...(options.instagramLogin ? world.meta.instagramLoginEnv() : {}),
      ...options.env,
    });
    world.gateway = await startGateway(world.vars, { logs: world.logs });
    world.meta.setWebhookUrl(`${world.gateway.url}/webhooks/instagram`);
    for (let i = 0; i < (options.relayWorkers ?? 1); i += 1) {
      await world.startRelayWorker();
    }
    for (let i = 0; i < (options.cleanupWorkers ?? 0); i += 1) {
      await world.startCleanupWorker();
    }
    return world;
  }

  async startRelayWorker(env: Record<string, string> = {}): Promise<INestApplicationContext> {
    const vars = loadEnv(RelayWorkerEnv, { ...this.vars, ...env });
    const app = await createRelayWorker(vars, {
      logger: this.logs ? new JsonLogger('relay-worker', vars.LOG_LEVEL) : false,
    });
    this.workers.push(app);
    return app;
  }

  async startCleanupWorker(env: Record<string, string> = {}): Promise<INestApplicationContext> {
    const vars = loadEnv(CleanupWorkerEnv, { ...this.vars, ...env });
    const app = await createCleanupWorker(vars, {
      logger: this.logs ? new JsonLogger('cleanup-worker', vars.LOG_LEVEL) : false,
    });
    this.workers.push(app);
    return app;
  }

  async stopWorker(app: INestApplicationContext): Promise<void> {
    const index = this.workers.indexOf(app);
    if (index >= 0) {
      this.workers.splice(index, 1);
    }
    await app.close();
  }

  /** A LiveChat organization that installed the app, with one Instagram account connected. */
  async connectBusiness(): Promise<ConnectedBusiness> {
    const org = this.livechat.state.createOrganization();
    const meta = this.meta.state.seedBusiness();
    const installations = this.gateway.app.get(InstallationRepository);
    const accounts = this.gateway.app.get(InstagramAccountRepository);
    const installation = await installations.upsertGrant(grantOf(org));
    const account = await accounts.connect(connectionOf(installation.id, meta));
    // As the connect flow leaves it: the Page subscribed to our app with the fields we need.
    this.meta.state.setSubscribedFields(meta.page.id, [...PAGE_SUBSCRIBED_FIELDS]);
    return { org, meta, installation, account };
  }

  /**
   * Restarts the gateway on a port of its own with PUBLIC_URL pointing at it: for flows that follow
   * the redirects the gateway builds from PUBLIC_URL (LiveChat and Facebook OAuth, browser tests).
   */
  async usePublicGatewayUrl(): Promise<void> {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() =>
          typeof address === 'object' && address
            ? resolve(address.port)
            : reject(new Error('no port')),
        );
      });
    });
    await this.gateway.close();
    this.vars = { ...this.vars, PUBLIC_URL: `http://127.0.0.1:${port}` };
    const env = loadEnv(GatewayEnv, this.vars);
    const app = await createGateway(env, {
      logger: this.logs ? new JsonLogger('gateway', env.LOG_LEVEL) : false,
    });
    await app.listen(port, '127.0.0.1');
    this.gateway = { app, env, url: env.PUBLIC_URL, close: () => app.close() };
    this.meta.setWebhookUrl(`${this.gateway.url}/webhooks/instagram`);
  }

  /** Redis keys of this world that still exist (for "nothing left behind" assertions). */
  redisKeys(): Promise<string[]> {
    return keysWithPrefix(this.prefix);
  }

  /** Every string value under this world's prefix (hashes, lists, sets, zsets, strings). */
  async redisValues(): Promise<string[]> {
    return valuesWithPrefix(this.prefix);
  }

  async close(): Promise<void> {
    for (const worker of this.workers.splice(0)) {
      await worker.close();
    }
    await this.gateway?.close();
    await this.meta?.close();
    await this.livechat?.close();
    await this.db?.drop();
    if (this.vars) {
      await deleteKeysWithPrefix(this.prefix);
    }
  }
}
