import { DeletionRequestRepository } from '@app/persistence';
import { RunningGateway, startGateway } from '../support/gateway-harness';
import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix } from '../support/test-redis';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('attack surface of pages and operations endpoints', () => {
  let db: TestDatabase;
  let gateway: RunningGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    gateway = await startGateway(baseTestEnv({ DATABASE_URL: db.url, METRICS_TOKEN }));
  });

  afterAll(async () => {
    await gateway?.close();
    await db?.drop();
    await deleteKeysWithPrefix(gateway?.env.REDIS_KEY_PREFIX ?? 'none');
  });

  it('sends CSP, nosniff, a referrer policy and framing rules with every HTML page; only /app may be framed, by LiveChat', async () => {
    const request = await gateway.app
      .get(DeletionRequestRepository)
      .createDataDeletion('fb-user-html', new Date(Date.now() + 3_600_000));
    const pages = [
      '/app',
      '/privacy',
      `/meta/data-deletion/${request.confirmationCode}`,
      '/meta/data-deletion/NOSUCHCODE',
      '/connect/instagram/callback?code=x&state=forged',
      '/install?error=access_denied',
    ];
    for (const path of pages) {
      const res = await fetch(`${gateway.url}${path}`, { redirect: 'manual' });
      const headers = {
        path,
        type: res.headers.get('content-type'),
        nosniff: res.headers.get('x-content-type-options'),
        referrer: res.headers.get('referrer-policy'),
      };
      expect(headers).toEqual({
        path,
        type: expect.stringMatching(/^text\/html/) as unknown,
        nosniff: 'nosniff',
        referrer: 'no-referrer',
      });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      if (path === '/app') {
        expect(csp).toMatch(/frame-ancestors https:\/\/my\.livechatinc\.com/);
        expect(csp).not.toContain("frame-ancestors 'none'");
        expect(res.headers.get('x-frame-options')).toBeNull();
      } else {
        expect([path, csp]).toEqual([path, expect.stringContaining("frame-ancestors 'none'")]);
        expect(res.headers.get('x-frame-options')).toBe('DENY');
      }
    }
  });

  it('serves /metrics only with the METRICS_TOKEN bearer', async () => {
    const anonymous = await fetch(`${gateway.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('igl_');
    const wrong = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
    });
    expect(wrong.status).toBe(401);
    const scraped = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/igl_queue_jobs\{queue="instagram-inbound"/);
  });

  it('says which dependency is down on /health/ready, never its error text', async () => {
    await db.drop();
    const res = await fetch(`${gateway.url}/health/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      checks: Record<string, { ok: boolean; reason?: string }>;
    };
    expect(body.checks.postgres).toEqual({
      ok: false,
      reason: expect.stringMatching(/^(unreachable|timeout)$/) as unknown,
      latencyMs: expect.any(Number) as unknown,
    });
    expect(body.checks.redis.ok).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/database|does not exist|terminat|127\.0\.0\.1/);
  });
});
