import { WorkerMetricsListener } from '@app/app-wiring';
import { startGateway } from '../support/gateway-harness';
import { baseTestEnv } from '../support/test-env';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

/** Reads one sample (sum over label sets matching all `labels`) from Prometheus text. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) {
      continue;
    }
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

describe('operations: Bull Board, metrics, logs', () => {
  let world: World;
  let biz: ConnectedBusiness;
  const lines: string[] = [];
  let restore: Array<() => void> = [];
  const basic = (user: string, pass: string): string =>
    `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  beforeAll(async () => {
    // Capture what the apps print: every line must be JSON, and none may hold a secret or a text.
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        return typeof rest[0] === 'function' ? (rest[0] as () => boolean)() : true;
      };
      restore.push(() => (stream.write = original));
    }
    world = await World.start({
      logs: true,
      env: {
        LOG_LEVEL: 'verbose',
        ADMIN_USERNAME: 'ops',
        ADMIN_PASSWORD: 'correct horse battery',
        METRICS_PORT: '0',
      },
    });
    biz = await world.connectBusiness();
    world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
    });
  });

  afterAll(async () => {
    await world?.close();
    restore.forEach((undo) => undo());
    restore = [];
  });

  it('serves Bull Board only with the admin credentials', async () => {
    const anonymous = await fetch(`${world.gateway.url}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(`${world.gateway.url}/admin/queues`, {
      headers: { authorization: basic('ops', 'nope') },
    });
    expect(wrong.status).toBe(401);
    const page = await fetch(`${world.gateway.url}/admin/queues`, {
      headers: { authorization: basic('ops', 'correct horse battery') },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await fetch(`${world.gateway.url}/admin/queues/api/queues`, {
      headers: { authorization: basic('ops', 'correct horse battery') },
    });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: Array<{ name: string }> }).queues.map(
      (q) => q.name,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'instagram-inbound',
        'livechat-inbound',
        'token-revocation',
        'data-purge',
      ]),
    );
  });

  it('keeps Bull Board off when no credentials are configured', async () => {
    const gateway = await startGateway(
      baseTestEnv({ DATABASE_URL: world.db.url, REDIS_KEY_PREFIX: `${world.prefix}b` }),
    );
    try {
      expect((await fetch(`${gateway.url}/admin/queues`)).status).toBe(404);
    } finally {
      await gateway.close();
    }
  });

  it('exposes metrics on the gateway and the relay worker, and they move when messages are relayed', async () => {
    const workerPort = world.workers[0].get(WorkerMetricsListener).port;
    expect(workerPort).toBeGreaterThan(0);
    const scrape = async (): Promise<{ gateway: string; worker: string }> => ({
      gateway: await (await fetch(`${world.gateway.url}/metrics`)).text(),
      worker: await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text(),
    });
    const before = await scrape();

    const sent = await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: 'ops-user',
      text: 'secret-ish customer text 4711',
    });
    const chat = await waitFor(
      'the chat',
      () => world.livechat.state.chats(biz.org.organizationId)[0],
    );
    await world.livechat.agentSendsMessage(chat.id, { text: 'agent reply text 0815' });
    await waitFor('the reply on Instagram', () =>
      world.meta.state
        .sentTo(biz.meta.igAccount.id, 'ops-user')
        .some((m) => m.text === 'agent reply text 0815'),
    );
    expect(sent.delivery.status).toBe(200);

    const after = await waitFor('metrics to move', async () => {
      const now = await scrape();
      return sample(now.worker, 'igl_relay_latency_seconds_count', { direction: 'outbound' }) > 0
        ? now
        : undefined;
    });
    expect(
      sample(after.gateway, 'igl_webhooks_received_total', {
        source: 'instagram',
        outcome: 'accepted',
      }),
    ).toBeGreaterThan(
      sample(before.gateway, 'igl_webhooks_received_total', {
        source: 'instagram',
        outcome: 'accepted',
      }),
    );
    expect(
      sample(after.gateway, 'igl_webhooks_received_total', {
        source: 'livechat',
        outcome: 'accepted',
      }),
    ).toBeGreaterThan(0);
    expect(
      sample(after.worker, 'igl_relay_latency_seconds_count', { direction: 'inbound' }),
    ).toBeGreaterThan(
      sample(before.worker, 'igl_relay_latency_seconds_count', { direction: 'inbound' }),
    );
    expect(
      sample(after.worker, 'igl_jobs_total', { queue: 'instagram-inbound', outcome: 'relayed' }),
    ).toBeGreaterThan(0);
    expect(
      sample(after.worker, 'igl_jobs_total', { queue: 'livechat-inbound', outcome: 'sent' }),
    ).toBeGreaterThan(0);
    expect(
      sample(after.worker, 'igl_upstream_request_duration_seconds_count', { platform: 'livechat' }),
    ).toBeGreaterThan(0);
    expect(
      sample(after.worker, 'igl_upstream_request_duration_seconds_count', {
        platform: 'meta',
        method: 'sendText',
      }),
    ).toBeGreaterThan(0);
    expect(
      sample(after.worker, 'igl_token_refreshes_total', {
        platform: 'livechat',
        kind: 'customer-created',
      }),
    ).toBeGreaterThan(0);
    expect(after.gateway).toMatch(/igl_queue_jobs\{queue="instagram-inbound",state="waiting"/);
    expect(after.worker).toMatch(/igl_queue_oldest_waiting_seconds\{queue="livechat-inbound"/);
    expect(after.worker).toContain('process_resident_memory_bytes');
    const ready = await fetch(`http://127.0.0.1:${workerPort}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('logs JSON lines with a correlation id, an access log of exactly the promised fields, and no token or message text', async () => {
    await waitFor('log lines', () => lines.length > 20);
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line.slice(0, 120)}`);
      }
    });
    const access = parsed
      .filter((l) => l.context === 'access')
      .map((l) => l.message as Record<string, unknown>);
    expect(access.length).toBeGreaterThan(0);
    for (const entry of access) {
      expect(Object.keys(entry).sort()).toEqual(['bytes', 'ip', 'path', 'time', 'userAgent']);
      expect(String(entry.path)).not.toContain('?');
    }
    expect(parsed.some((l) => typeof l.correlationId === 'string')).toBe(true);

    const customerTokens = world.livechat
      .callsTo('customer_token')
      .map((c) => c.token)
      .filter(Boolean) as string[];
    const forbidden = [
      'secret-ish customer text 4711',
      'agent reply text 0815',
      biz.org.accessToken,
      biz.org.refreshToken,
      biz.meta.pageToken,
      world.vars.META_APP_SECRET,
      world.vars.LIVECHAT_WEBHOOK_SECRET,
      world.vars.LIVECHAT_CLIENT_SECRET,
      world.vars.TOKEN_ENCRYPTION_KEY,
      ...customerTokens,
    ];
    const all = lines.join('\n');
    for (const secret of forbidden) {
      expect(all).not.toContain(secret);
    }
  });
});
