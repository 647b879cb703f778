import { PAGE_SUBSCRIBED_FIELDS } from '@app/credentials';
import {
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
} from '@app/persistence';
import { getDataSourceToken } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { OrganizationHandle } from '../emulators/livechat';
import { SeededBusiness } from '../emulators/meta';
import { launchChromium } from '../support/browser';
import { connectionOf, grantOf } from '../support/seeded-records';
import { waitFor } from '../support/wait-for';
import { World } from '../support/world';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'settings-health');

/**
 * The admin's view of the connection watchdog, in a real browser: one LiveChat organization with
 * three Instagram accounts, a cleanup worker checking every 2 s. One stays healthy ("Working"),
 * Meta unsubscribes the second's Page (the watchdog re-subscribes it: "Repaired automatically at
 * …"), the third loses a permission ("Needs you: reconnect", with the button). Then LiveChat
 * refuses the installation's grant: the "Needs you: reinstall" banner.
 */
describe('settings page: each account’s health', () => {
  let world: World;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let org: OrganizationHandle;
  let installation: InstallationEntity;
  const businesses: Record<'working' | 'repaired' | 'needsYou', SeededBusiness> = {} as never;
  const ids: Record<keyof typeof businesses, string> = {} as never;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await World.start({ relayWorkers: 0, env: { WATCHDOG_INTERVAL_SECONDS: '2' } });
    await world.startCleanupWorker();
    org = world.livechat.state.createOrganization();
    installation = await world.gateway.app.get(InstallationRepository).upsertGrant(grantOf(org));
    for (const key of ['working', 'repaired', 'needsYou'] as const) {
      const meta = world.meta.state.seedBusiness();
      world.meta.state.setSubscribedFields(meta.page.id, [...PAGE_SUBSCRIBED_FIELDS]);
      const account = await world.gateway.app
        .get(InstagramAccountRepository)
        .connect(connectionOf(installation.id, meta));
      businesses[key] = meta;
      ids[key] = account.id;
    }

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 390, height: 900 } });
    // Signed in as the settings page keeps it: the admin's LiveChat token in session storage.
    const stored = JSON.stringify({ token: org.accessToken, expiresAt: Date.now() + 3_600_000 });
    await context.addInitScript(
      `sessionStorage.setItem('igl.livechat.token', ${JSON.stringify(stored)});`,
    );
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await world?.close();
  });

  const item = (key: keyof typeof ids) => page.locator(`li.account[data-account-id="${ids[key]}"]`);

  async function apiStates(): Promise<Record<string, string>> {
    const response = await fetch(`${world.gateway.url}/api/instagram/accounts`, {
      headers: { authorization: `Bearer ${org.accessToken}` },
    });
    const body = (await response.json()) as {
      accounts: Array<{ id: string; health: { state: string } }>;
    };
    return Object.fromEntries(body.accounts.map((a) => [a.id, a.health.state]));
  }

  it('shows “Working”, “Repaired automatically at …” and “Needs you: reconnect”', async () => {
    await waitFor(
      'every account checked once',
      async () => Object.values(await apiStates()).every((s) => s === 'working'),
      30_000,
    );
    world.meta.state.dropSubscription(businesses.repaired.page.id);
    world.meta.state.revokePermission(businesses.needsYou.user.id, 'instagram_manage_messages');
    await waitFor('the watchdog’s verdicts', async () => {
      const states = await apiStates();
      return states[ids.repaired] === 'repaired' && states[ids.needsYou] === 'needs_you';
    });

    await page.goto(`${world.gateway.url}/app`);
    await page.locator('#app-panel').waitFor({ state: 'visible' });
    await item('working').waitFor({ state: 'visible' });

    const working = item('working').locator('.health');
    expect(await working.getAttribute('data-health')).toBe('working');
    expect(await working.innerText()).toContain('Working');

    const repaired = item('repaired').locator('.health');
    expect(await repaired.getAttribute('data-health')).toBe('repaired');
    expect(await repaired.innerText()).toMatch(/Repaired automatically at .+/);
    expect(await repaired.innerText()).toContain('subscribed again');

    const needsYou = item('needsYou').locator('.health');
    expect(await needsYou.getAttribute('data-health')).toBe('needs_you');
    expect(await needsYou.innerText()).toContain('Needs you: reconnect');
    expect(await needsYou.innerText()).toContain('instagram_manage_messages');
    await item('needsYou').locator('button[data-action="reconnect"]').waitFor({ state: 'visible' });
    expect(await item('working').locator('button[data-action="reconnect"]').count()).toBe(0);
    expect(await page.locator('#reauth-banner').isVisible()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, '01-three-states.png'), fullPage: true });
  });

  it('shows “Needs you: reinstall” when LiveChat no longer accepts the installation', async () => {
    const dataSource = world.gateway.app.get<DataSource>(getDataSourceToken());
    await dataSource.query(`UPDATE installations SET status = 'needs_reauth' WHERE id = $1`, [
      installation.id,
    ]);
    await page.reload();
    const banner = page.locator('#reauth-banner');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.innerText()).toContain('Needs you: reinstall');
    expect(await banner.locator('a[href="/install"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '02-reinstall.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
