import { InstagramAccountRepository } from '@app/persistence';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { waitFor } from '../support/wait-for';
import { World } from '../support/world';
import {
  call,
  completeConnect,
  connectThroughDialog,
  facebookBusiness,
  handleIn,
  installedOrganization,
  textOf,
} from '../settings/settings-flows';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'security-connect');

/**
 * The attack: an admin of installation B calls `POST /api/instagram/connect`, sends the Facebook
 * dialog URL to another business's Page admin, who consents. Before the fix the callback itself
 * connected that Page's Instagram inbox into B. Now the callback connects nothing; only an admin
 * of the installation named in the state can complete it, from the settings page that opened it.
 */
describe('security: a connect is completed only by the installation that started it', () => {
  let world: World;
  let browser: Browser;
  const accounts = () => world.gateway.app.get(InstagramAccountRepository);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await World.start({ relayWorkers: 0 });
    await world.usePublicGatewayUrl();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  /** B's admin starts a connect and gets the dialog URL to send to someone else. */
  async function dialogUrlOf(token: string): Promise<string> {
    const started = await call(world, '/api/instagram/connect', {
      method: 'POST',
      token,
      json: {},
    });
    expect(started.status).toBe(200);
    return ((await started.json()) as { url: string }).url;
  }

  it('the stranger’s consent alone connects nothing, and another installation’s admin cannot complete it', async () => {
    const attacker = await installedOrganization(world);
    const victim = await installedOrganization(world);
    const victimBiz = facebookBusiness(world);

    const { response, html } = await connectThroughDialog(world, attacker.token, victimBiz.user.id);
    expect(response.status).toBe(200);
    // The consent reached the callback: no account, no Page subscription.
    expect(await accounts().findByInstagramId(victimBiz.igAccount.id)).toBeNull();
    expect(await accounts().listForInstallation(attacker.installationId)).toEqual([]);
    expect(world.meta.state.subscriptions.get(victimBiz.page.id)).toBeUndefined();
    expect(textOf(html)).toContain('nothing is connected yet');
    const handle = handleIn(html);
    expect(handle).toMatch(/^[A-Za-z0-9_-]{32}$/);

    // Without a token, or with an agent's, the handle is worth nothing.
    const anonymous = await call(world, '/api/instagram/connect/complete', {
      method: 'POST',
      json: { handle },
    });
    expect(anonymous.status).toBe(401);

    // The stranger is an admin of another installation (their browser holds its token).
    const refused = await completeConnect(world, victim.token, handle!);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ reason: 'other-installation' });
    expect(String(refused.body.message)).toContain('started from another LiveChat organization');
    expect(await accounts().findByInstagramId(victimBiz.igAccount.id)).toBeNull();

    // The handle left the initiator's browser, so it is burnt: not even B can use it now.
    const late = await completeConnect(world, attacker.token, handle!);
    expect(late.status).toBe(410);
    expect(await accounts().findByInstagramId(victimBiz.igAccount.id)).toBeNull();
    expect(await accounts().listForInstallation(victim.installationId)).toEqual([]);
    expect(world.meta.state.subscriptions.get(victimBiz.page.id)).toBeUndefined();
  });

  it('the initiator completes once; a replay of the handle answers 410 and changes nothing', async () => {
    const admin = await installedOrganization(world);
    const biz = facebookBusiness(world);
    const { html } = await connectThroughDialog(world, admin.token, biz.user.id);
    const handle = handleIn(html)!;
    const done = await completeConnect(world, admin.token, handle);
    expect(done.status).toBe(200);
    const [row] = await accounts().listForInstallation(admin.installationId);
    expect(row.instagramAccountId).toBe(biz.igAccount.id);

    const replay = await completeConnect(world, admin.token, handle);
    expect(replay.status).toBe(410);
    expect(replay.body).toMatchObject({ reason: 'handle-gone' });
    const after = await accounts().listForInstallation(admin.installationId);
    // Not connected again: the row was not even rewritten.
    expect(after.map((a) => [a.id, a.updatedAt.getTime()])).toEqual([
      [row.id, row.updatedAt.getTime()],
    ]);
  });

  it('in a browser: the stranger’s callback page connects nothing, even signed in to their own installation', async () => {
    const attacker = await installedOrganization(world);
    const victim = await installedOrganization(world);
    const victimBiz = facebookBusiness(world);
    world.meta.state.setLoginBehavior({ mode: 'prompt', userId: victimBiz.user.id });
    const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);

      // 1. A browser without any settings token opens the link it was sent, and consents.
      await page.goto(await dialogUrlOf(attacker.token));
      await page.locator('#continue').click();
      await page.waitForURL(/\/connect\/instagram\/callback\?/);
      await page.waitForLoadState('load');
      const handle = await page.locator('meta[name="igl-connect-handle"]').getAttribute('content');
      expect(handle).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(await page.locator('h1').innerText()).toContain(
        'Finish connecting in the app settings',
      );
      // Its script ran (the bundle is loaded and found nothing to hand the handle to).
      await waitFor('the callback page’s script', () =>
        page.evaluate<boolean>("document.readyState === 'complete'"),
      );
      expect(page.url()).toContain('/connect/instagram/callback');
      await page.screenshot({ path: join(ARTIFACTS, '01-stranger-callback.png') });
      expect(await accounts().findByInstagramId(victimBiz.igAccount.id)).toBeNull();

      // 2. The same person is an admin of another installation, signed in to its settings page
      // in this tab: the callback hands the handle to that page, which is refused.
      world.livechat.state.signIn(victim.org.accountId);
      await page.goto(`${world.gateway.url}/app`);
      await page.locator('#signin').click();
      await page.locator('#app-panel').waitFor({ state: 'visible' });
      await page.goto(await dialogUrlOf(attacker.token));
      await page.locator('#continue').click();
      await page.waitForURL(`${world.gateway.url}/app`);
      await waitFor('the refusal on the settings page', async () => {
        const text = await page
          .locator('#status')
          .innerText()
          .catch(() => '');
        return text.includes('started from another LiveChat organization') ? text : undefined;
      });
      await page.screenshot({ path: join(ARTIFACTS, '02-other-installation-refused.png') });
      expect(await accounts().findByInstagramId(victimBiz.igAccount.id)).toBeNull();
      expect(await accounts().listForInstallation(attacker.installationId)).toEqual([]);
      expect(await accounts().listForInstallation(victim.installationId)).toEqual([]);
      expect(world.meta.state.subscriptions.get(victimBiz.page.id)).toBeUndefined();
    } finally {
      await context.close();
    }
  });

  it('in a browser: the initiator’s settings page inside LiveChat completes it, choosing among several Pages', async () => {
    const admin = await installedOrganization(world);
    const biz = facebookBusiness(world);
    const second = world.meta.state.addPage({ ownerUserId: biz.user.id, name: 'Second Shop' });
    world.meta.state.setLoginBehavior({ mode: 'prompt', userId: biz.user.id });
    world.livechat.state.signIn(admin.org.accountId);
    const framed: BrowserContext = await browser.newContext({
      viewport: { width: 1024, height: 900 },
    });
    const problems: string[] = [];
    try {
      await framed.grantPermissions(['local-network-access'], {
        origin: 'https://my.livechatinc.com',
      });
      await framed.route('https://my.livechatinc.com/**', (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><title>LiveChat</title><iframe id="app" title="Instagram" src="${world.gateway.url}/app" style="width:520px;height:860px"></iframe>`,
        }),
      );
      const host: Page = await framed.newPage();
      host.setDefaultTimeout(10_000);
      host.on('pageerror', (error) => problems.push(error.message));
      await host.goto('https://my.livechatinc.com/settings/apps/instagram');
      const app = host.frameLocator('#app');
      // Keyboard, not mouse (see settings.browser.e2e-spec.ts: clicks into a cross-site iframe
      // time out under Jest's VM sandbox).
      const activate = async (selector: string, key = 'Enter'): Promise<void> => {
        await app.locator(selector).focus();
        await host.keyboard.press(key);
      };
      const signInPopup = framed.waitForEvent('page');
      await activate('#signin');
      await (await signInPopup).waitForEvent('close');
      await app.locator('#accounts-empty').waitFor({ state: 'visible' });

      const facebookPopup = framed.waitForEvent('page');
      await activate('#connect');
      const facebook = await facebookPopup;
      await facebook.locator('#continue').click();
      // The popup hands the handle over and closes; the settings page asks which Page.
      await facebook.waitForEvent('close');
      const chooser = app.locator('#connect-chooser');
      await chooser.waitFor({ state: 'visible' });
      expect(await chooser.innerText()).toContain(`@${biz.igAccount.username}`);
      expect(await chooser.innerText()).toContain(`@${second.igAccount!.username}`);
      expect(await accounts().listForInstallation(admin.installationId)).toEqual([]);
      await host.screenshot({ path: join(ARTIFACTS, '03-choose-page.png') });

      await activate('#page-1', 'Space');
      await activate('#choose-submit');
      const item = app.locator('li.account[data-status="active"]');
      await item.waitFor({ state: 'visible' });
      expect(await item.innerText()).toContain(`@${second.igAccount!.username}`);
      await chooser.waitFor({ state: 'detached' });
      await host.screenshot({ path: join(ARTIFACTS, '04-connected.png') });
      const rows = await accounts().listForInstallation(admin.installationId);
      expect(rows.map((r) => r.instagramAccountId)).toEqual([second.igAccount!.id]);
      expect(problems).toEqual([]);
    } finally {
      await framed.close();
    }
  });
});
