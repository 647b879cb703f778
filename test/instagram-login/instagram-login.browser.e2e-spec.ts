import { getDataSourceToken } from '@nestjs/typeorm';
import { InstagramAccountRepository } from '@app/persistence';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { EmulatedInstagramAccount } from '../emulators/meta';
import { launchChromium } from '../support/browser';
import { waitFor } from '../support/wait-for';
import { World } from '../support/world';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'instagram-login-browser');

/**
 * In a real browser: the admin installs, signs in, picks "Instagram professional account", allows
 * the app in the (emulated) Instagram dialog, and sees the account listed; a DM to it becomes a
 * LiveChat chat and the agent's reply reaches Instagram through graph.instagram.com with that
 * account's own token.
 */
describe('connecting through Instagram Login in a browser', () => {
  let world: World;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let ig: EmulatedInstagramAccount;
  const problems: string[] = [];

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await World.start({ instagramLogin: true });
    await world.usePublicGatewayUrl();
    world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
    });
    world.livechat.state.createOrganization();
    ig = world.meta.state.addInstagramAccount({ username: 'studio_browser', name: 'Studio' });
    world.meta.state.setInstagramLoginBehavior({ mode: 'prompt', igAccountId: ig.id });

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.url().startsWith(world.gateway.url) && response.status() >= 400) {
        problems.push(`${response.status()} ${response.url()}`);
      }
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await world?.close();
  });

  async function expectText(selector: string, text: string): Promise<void> {
    await waitFor(`“${text}” in ${selector}`, async () => {
      const found = await page
        .locator(selector)
        .first()
        .innerText()
        .catch(() => '');
      return found.includes(text) ? found : undefined;
    });
  }

  it('connects an Instagram professional account through the Instagram dialog and lists it', async () => {
    await page.goto(`${world.gateway.url}/install`);
    await page.waitForURL(`${world.gateway.url}/app?installed=1`);
    await page.locator('#signin').click();
    await page.locator('#app-panel').waitFor({ state: 'visible' });
    // Both ways, in words an admin understands.
    expect(await page.locator('#connect-instagram').innerText()).toContain(
      'Instagram professional account',
    );
    expect(await page.locator('#connect').innerText()).toContain('Through a Facebook Page');
    expect(await page.locator('#connect-instagram').isEnabled()).toBe(true);
    await shot('01-both-ways');

    await page.locator('#connect-instagram').click();
    await page.locator('#continue').waitFor({ state: 'visible' });
    expect(page.url().startsWith(`${world.meta.instagramOauthUrl}/oauth/authorize?`)).toBe(true);
    await shot('02-instagram-dialog');
    await page.locator('#continue').click();

    await page.waitForURL(`${world.gateway.url}/app`);
    await expectText('#status', '@studio_browser is connected.');
    const item = page.locator('li.account[data-status="active"]');
    await item.waitFor({ state: 'visible' });
    expect(await item.innerText()).toContain('Instagram professional account');
    await shot('03-listed');
    const row = await world.gateway.app.get(InstagramAccountRepository).findByInstagramId(ig.id);
    expect(row).toMatchObject({ loginPath: 'instagram', status: 'active' });
    expect(problems).toEqual([]);
  });

  it('a DM to it becomes a LiveChat chat; the agent’s reply reaches Instagram through graph.instagram.com with its token', async () => {
    const igsid = 'browser-customer-1';
    world.meta.state.addCustomer({ igAccountId: ig.id, igsid });
    const sent = await world.meta.customerSends({ igAccountId: ig.id, igsid, text: 'Hi studio!' });
    expect(sent.delivery.status).toBe(200);
    const dataSource = world.gateway.app.get<DataSource>(getDataSourceToken());
    const chatId = await waitFor('the chat', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      return rows[0]?.chat_id ?? undefined;
    });
    await waitFor('the DM in the chat', () =>
      world.livechat.state.events(chatId).some((e) => e.text === 'Hi studio!'),
    );

    await world.livechat.agentSendsMessage(chatId, { text: 'Hello from LiveChat' });
    const reply = await waitFor('the reply on Instagram', () =>
      world.meta.state.sentTo(ig.id, igsid).find((m) => m.text === 'Hello from LiveChat'),
    );
    const accounts = world.gateway.app.get(InstagramAccountRepository);
    const row = await accounts.findByInstagramId(ig.id);
    expect(reply.via).toBe('graph.instagram.com');
    expect(reply.token).toBe(accounts.pageTokenOf(row!));
  });
});
