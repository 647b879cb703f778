import { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { RunningGateway, startGateway } from '../support/gateway-harness';
import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix } from '../support/test-redis';

/** The CSP every HTML response now carries must not break Bull Board's own UI. */
describe('Bull Board in a real browser, under its CSP', () => {
  let db: TestDatabase;
  let gateway: RunningGateway;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    gateway = await startGateway(
      baseTestEnv({
        DATABASE_URL: db.url,
        ADMIN_USERNAME: 'ops',
        ADMIN_PASSWORD: 'correct-horse-battery',
      }),
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await db?.drop();
    await deleteKeysWithPrefix(gateway?.env.REDIS_KEY_PREFIX ?? 'none');
  });

  it('renders the queues, with no script or style blocked other than the web fonts it asks for', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'ops', password: 'correct-horse-battery' },
    });
    try {
      const page = await context.newPage();
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) {
          blocked.push(message.text());
        }
      });
      await page.goto(`${gateway.url}/admin/queues`);
      await page.getByText('instagram-inbound').first().waitFor({ timeout: 30_000 });
      expect(blocked.filter((text) => !/fonts\.googleapis\.com/.test(text))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
