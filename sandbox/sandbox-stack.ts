import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { runMigrations } from '@app/persistence';
import { JsonLogger, loadEnv } from '@app/platform';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer } from 'node:net';
import { CleanupWorkerEnv } from '../apps/cleanup-worker/src/config/cleanup-worker.env';
import { createCleanupWorker } from '../apps/cleanup-worker/src/create-cleanup-worker';
import { GatewayEnv } from '../apps/gateway/src/config/gateway.env';
import { createGateway } from '../apps/gateway/src/create-gateway';
import { RelayWorkerEnv } from '../apps/relay-worker/src/config/relay-worker.env';
import { createRelayWorker } from '../apps/relay-worker/src/create-relay-worker';
import { databaseUrlFor, quoteIdent, withAdminClient } from '../scripts/pg-admin.util';
import {
  LiveChatEmulator,
  OrganizationHandle,
  startLiveChatEmulator,
} from '../test/emulators/livechat';
import {
  MetaEmulator,
  SeededInstagramLoginBusiness,
  startMetaEmulator,
} from '../test/emulators/meta';

export const SANDBOX_ADMIN = { username: 'sandbox', password: 'sandbox-password' };

export interface SandboxOptions {
  /** Server of the sandbox's own throwaway database (it is created and dropped). */
  databaseUrl?: string;
  redisUrl?: string;
  /** Gateway port; 0 picks a free one. */
  gatewayPort?: number;
  /** Print the apps' JSON logs (default: quiet). */
  logs?: boolean;
  /** How long after an uninstall the purge runs (the product default is 7 days). */
  purgeDelaySeconds?: number;
}

export interface SandboxStack {
  gatewayUrl: string;
  livechat: LiveChatEmulator;
  meta: MetaEmulator;
  org: OrganizationHandle;
  /** The demo account: an Instagram professional account connected with Instagram Login. */
  business: SeededInstagramLoginBusiness;
  vars: Record<string, string>;
  /** Runs a SQL statement on the sandbox database (the simulation buttons use it). */
  sql<T = unknown>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function follow(
  url: string,
  headers: Record<string, string> = {},
  hops = 8,
): Promise<{ url: string; status: number; body: string }> {
  let current = url;
  for (let i = 0; i < hops; i += 1) {
    const res = await fetch(current, { redirect: 'manual', headers });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    return { url: current, status: res.status, body: await res.text() };
  }
  throw new Error(`too many redirects from ${url}`);
}

/**
 * The whole integration on this machine against the emulators: a throwaway database and Redis
 * prefix, the gateway and both workers, a demo LiveChat organization installed through the real
 * install flow and a demo Instagram account connected through the real connect flow.
 */
export async function startSandboxStack(options: SandboxOptions = {}): Promise<SandboxStack> {
  const serverUrl =
    options.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const database = `igl_sandbox_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const prefix = `sbx${randomBytes(4).toString('hex')}`;
  const closers: Array<() => Promise<unknown>> = [];
  const close = async (): Promise<void> => {
    for (const closeOne of closers.splice(0).reverse()) {
      await closeOne().catch(() => undefined);
    }
  };

  try {
    await withAdminClient(serverUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(database)}`));
    closers.push(() =>
      withAdminClient(serverUrl, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`),
      ),
    );
    const databaseUrl = databaseUrlFor(serverUrl, database);
    await runMigrations(databaseUrl);
    closers.push(async () => {
      // Nothing of the sandbox stays in Redis either.
      const redis = new Redis(redisUrl);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) {
            await redis.del(...keys);
          }
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    });

    const livechat = await startLiveChatEmulator({ autoApprove: true });
    closers.push(() => livechat.close());
    const meta = await startMetaEmulator({
      appId: '1234567890',
      appSecret: 'sandbox-meta-app-secret',
      humanAgent: true,
    });
    closers.push(() => meta.close());

    const vars: Record<string, string> = {
      LOG_LEVEL: 'log',
      PORT: String(options.gatewayPort ?? 0),
      PUBLIC_URL: 'http://127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      META_APP_ID: meta.appId,
      META_APP_SECRET: meta.appSecret,
      META_VERIFY_TOKEN: 'sandbox-verify-token',
      META_GRAPH_URL: meta.url,
      META_OAUTH_URL: meta.url,
      // The emulator's media host, listed by name: plain http to loopback is allowed for it.
      MEDIA_HOST_ALLOWLIST: new URL(meta.url).hostname,
      ...meta.instagramLoginEnv(),
      LIVECHAT_CLIENT_ID: livechat.clientId,
      LIVECHAT_CLIENT_SECRET: livechat.clientSecret,
      LIVECHAT_WEBHOOK_SECRET: 'sandbox-livechat-webhook-secret',
      LIVECHAT_APP_WEBHOOK_TOKEN: 'sandbox-livechat-app-webhook-token',
      LIVECHAT_API_URL: livechat.url,
      LIVECHAT_ACCOUNTS_URL: livechat.url,
      ADMIN_USERNAME: SANDBOX_ADMIN.username,
      ADMIN_PASSWORD: SANDBOX_ADMIN.password,
      PURGE_DELAY_SECONDS: String(options.purgeDelaySeconds ?? 30),
      QUEUE_LOCK_DURATION_MS: '5000',
      METRICS_PORT: '-1',
      OPERATOR_NAME: 'Sandbox operator',
      OPERATOR_CONTACT: 'sandbox@example.com',
    };
    const logger = (app: string): JsonLogger | false =>
      options.logs ? new JsonLogger(app, 'log') : false;

    // The gateway builds redirect URIs from PUBLIC_URL, so it must know its port before it starts.
    const port = options.gatewayPort || (await freePort());
    const gatewayUrl = `http://127.0.0.1:${port}`;
    vars.PORT = String(port);
    vars.PUBLIC_URL = gatewayUrl;
    const gatewayEnv = loadEnv(GatewayEnv, vars);
    const gateway: NestFastifyApplication = await createGateway(gatewayEnv, {
      logger: logger('gateway'),
    });
    await gateway.listen(port, '127.0.0.1');
    closers.push(() => gateway.close());

    const workers: INestApplicationContext[] = [
      await createRelayWorker(loadEnv(RelayWorkerEnv, vars), { logger: logger('relay-worker') }),
      await createCleanupWorker(loadEnv(CleanupWorkerEnv, vars), {
        logger: logger('cleanup-worker'),
      }),
    ];
    closers.push(async () => {
      for (const worker of workers) {
        await worker.close();
      }
    });

    // The platforms send their webhooks to the gateway, as configured in their consoles.
    meta.setWebhookUrl(`${gatewayUrl}/webhooks/instagram`);
    for (const action of ['incoming_event', 'incoming_chat', 'events_marked_as_seen']) {
      livechat.registerWebhook({
        url: `${gatewayUrl}/webhooks/livechat`,
        action,
        secretKey: vars.LIVECHAT_WEBHOOK_SECRET,
        additionalData: ['chat_properties', 'chat_presence_user_ids'],
      });
    }

    // Install through the real flow: /install → LiveChat's consent (auto-approved) → /install?code.
    const org = livechat.state.createOrganization({ name: 'Demo Shop' });
    livechat.state.signIn(org.accountId);
    const installed = await follow(`${gatewayUrl}/install`);
    if (!installed.url.includes('/app')) {
      throw new Error(`the install flow did not finish (${installed.status} at ${installed.url})`);
    }

    // Connect Instagram through the real flow, as a small business without a Facebook Page does:
    // connect → Instagram Login dialog (auto-continue) → callback (hands over a handle) →
    // complete with the admin's token, as the settings page does.
    const igAccount = meta.state.addInstagramAccount({ username: 'demo.shop', name: 'Demo Shop' });
    const business = meta.state.seedInstagramLoginBusiness({
      igAccountId: igAccount.id,
      subscribe: false,
      customer: { igsid: 'demo-customer', name: 'Alex Customer', username: 'alex.customer' },
    });
    meta.state.setInstagramLoginBehavior({ mode: 'auto-continue', igAccountId: igAccount.id });
    const start = await fetch(`${gatewayUrl}/api/instagram/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'instagram' }),
    });
    if (!start.ok) {
      throw new Error(`connect did not start (${start.status}): ${await start.text()}`);
    }
    const { url } = (await start.json()) as { url: string };
    const landed = await follow(url);
    const handle = /<meta name="igl-connect-handle" content="([^"]+)">/.exec(landed.body)?.[1];
    if (landed.status !== 200 || !handle) {
      throw new Error(`the connect flow did not finish (${landed.status} at ${landed.url})`);
    }
    const completed = await fetch(`${gatewayUrl}/api/instagram/connect/complete`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ handle }),
    });
    if (completed.status !== 200) {
      throw new Error(
        `the connect was not completed (${completed.status}): ${await completed.text()}`,
      );
    }

    return {
      gatewayUrl,
      livechat,
      meta,
      org,
      business,
      vars,
      sql: async <T>(query: string, params: unknown[] = []): Promise<T[]> => {
        const { Client } = await import('pg');
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          return (await client.query(query, params)).rows as T[];
        } finally {
          await client.end();
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
