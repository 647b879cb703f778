import { mkdirSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { SandboxServer } from '../../sandbox/sandbox-server';
import { SandboxStack, startSandboxStack } from '../../sandbox/sandbox-stack';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/services';
import { keysWithPrefix } from '../support/test-redis';

const ARTIFACTS = 'test-artifacts/sandbox';

describe('sandbox: one exchange each way through the page, in a real browser', () => {
  let stack: SandboxStack | undefined;
  let server: SandboxServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startSandboxStack({ databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL });
    server = new SandboxServer(stack);
    url = await server.listen(0);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    const prefix = stack?.vars.REDIS_KEY_PREFIX;
    await stack?.close();
    if (prefix) {
      // Stopping the sandbox leaves nothing behind in Redis (its database is dropped too).
      expect(await keysWithPrefix(prefix)).toEqual([]);
    }
  });

  it("carries a customer message into LiveChat and the agent's answer back to Instagram", async () => {
    await page.goto(url);
    await page.getByLabel('Message as the customer').fill('Hi! Is the blue bag still in stock?');
    await page.keyboard.press('Enter');
    const inLiveChat = page.locator('#lc-thread [data-testid="lc-event"]', {
      hasText: 'Is the blue bag still in stock?',
    });
    await inLiveChat.waitFor({ timeout: 20_000 });
    await page
      .locator('#ig-thread .hop.ok', { hasText: 'in LiveChat' })
      .first()
      .waitFor({ timeout: 20_000 });

    await page.getByLabel('Reply as the agent').fill('Yes! Shall I reserve one for you?');
    await page.getByLabel('Reply as the agent').press('Enter');
    const onInstagram = page.locator('#ig-thread [data-testid="ig-message"]', {
      hasText: 'Shall I reserve one for you?',
    });
    await onInstagram.waitFor({ timeout: 20_000 });
    await page
      .locator('#lc-thread .hop.ok', { hasText: 'on Instagram' })
      .first()
      .waitFor({ timeout: 20_000 });

    await page.locator('#lc-text').fill('Internal: VIP, offer free shipping');
    await page.locator('#lc-note').click();
    await page.locator('#lc-thread .msg.internal').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${ARTIFACTS}/sandbox.png` });

    expect(await inLiveChat.count()).toBe(1);
    expect(await onInstagram.count()).toBe(1);
    // The internal note never reaches Instagram.
    expect(await page.locator('#ig-thread', { hasText: 'free shipping' }).count()).toBe(0);
    expect(
      stack!.meta.state
        .sentTo(stack!.business.igAccount.id, stack!.business.customer.igsid)
        .map((m) => m.text),
    ).toEqual(['Yes! Shall I reserve one for you?']);
  });
});
