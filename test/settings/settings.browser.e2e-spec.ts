import { InstagramAccountRepository, InstallationRepository } from '@app/persistence';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { OrganizationHandle } from '../emulators/livechat';
import { waitFor } from '../support/wait-for';
import { World } from '../support/world';
import { FacebookBusiness, facebookBusiness } from './settings-flows';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'settings-browser');

/**
 * The admin's whole journey in a real browser (headless Chromium, see support/browser.ts; narrow phone-sized
 * window) against the real gateway and the LiveChat and Meta emulators: install, sign in, connect
 * through the Facebook dialog, see the account, change the HUMAN_AGENT switch, reconnect an expired account,
 * disconnect it with the keyboard, see it gone. A screenshot per step in test-artifacts/.
 */
describe('settings page in a browser', () => {
  let world: World;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let org: OrganizationHandle;
  let biz: FacebookBusiness;
  const problems: string[] = [];
  const cookieHeaders: string[] = [];

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };
  const accounts = () => world.gateway.app.get(InstagramAccountRepository);
  const installations = () => world.gateway.app.get(InstallationRepository);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await World.start({ relayWorkers: 0 });
    await world.usePublicGatewayUrl();
    org = world.livechat.state.createOrganization();
    biz = facebookBusiness(world);
    world.meta.state.setLoginBehavior({ mode: 'prompt', userId: biz.user.id });

    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      isMobile: false,
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && page.url().startsWith(world.gateway.url)) {
        problems.push(`console: ${message.text()}`);
      }
    });
    page.on('response', (response) => {
      if (response.url().startsWith(world.gateway.url)) {
        if (response.status() >= 400) {
          problems.push(`${response.status()} ${response.url()}`);
        }
        void response
          .headerValue('set-cookie')
          .then((value) => value !== null && cookieHeaders.push(`${response.url()}: ${value}`))
          .catch(() => undefined);
      }
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await world?.close();
  });

  it('installs through LiveChat’s authorization and lands on the settings page', async () => {
    await page.goto(`${world.gateway.url}/install`);
    await page.waitForURL(`${world.gateway.url}/app?installed=1`);
    await page.locator('#signin').waitFor({ state: 'visible' });
    await expectText('#installed-banner', 'The app is installed');
    await shot('01-installed');
    const installation = await installations().findByOrganization(org.organizationId);
    expect(installation?.status).toBe('active');
  });

  it('signs in with LiveChat (implicit flow) and shows no account yet', async () => {
    await page.locator('#signin').click();
    await page.locator('#app-panel').waitFor({ state: 'visible' });
    expect(page.url()).toBe(`${world.gateway.url}/app`); // the token is out of the address bar
    await page.locator('#accounts-empty').waitFor({ state: 'visible' });
    await shot('02-signed-in');
  });

  it('connects an Instagram account through the Facebook dialog and lists it', async () => {
    await page.locator('#connect').click();
    await page.locator('#continue').waitFor({ state: 'visible' });
    await shot('03-facebook-dialog');
    await page.locator('#continue').click();
    // The callback hands its handle back to the settings page, which completes the connect.
    await page.waitForURL(`${world.gateway.url}/app`);
    await expectText('#status', `@${biz.igAccount.username} is connected.`);
    await shot('04-connected');
    const item = page.locator('li.account[data-status="active"]');
    await item.waitFor({ state: 'visible' });
    expect(await item.innerText()).toContain(`@${biz.igAccount.username}`);
    expect(await item.innerText()).toContain(`Facebook Page: ${biz.page.name}`);
    expect(await item.innerText()).toContain('No message relayed yet');
    await shot('05-listed');
  });

  it('changes the HUMAN_AGENT switch', async () => {
    await page.locator('#human-agent').check();
    await page.locator('#save-settings').press('Enter'); // the form submits from the keyboard
    await expectText('#settings-status', 'Saved.');
    await shot('06-settings-saved');
    const installation = await installations().findByOrganization(org.organizationId);
    expect(installation).toMatchObject({ humanAgentEnabled: true });
  });

  it('offers “Reconnect” when the account’s token expired, through the same flow', async () => {
    const installation = await installations().findByOrganization(org.organizationId);
    const [row] = await accounts().listForInstallation(installation!.id);
    await accounts().setStatus(
      installation!.id,
      row.id,
      'needs_reconnect',
      'The Facebook login that connected this account expired or was revoked: reconnect it.',
    );
    await page.reload();
    const reconnect = page.locator('button[data-action="reconnect"]');
    await reconnect.waitFor({ state: 'visible' });
    await expectText('li.account', 'Needs you');
    await shot('07-needs-reconnect');
    await reconnect.click();
    await page.locator('#continue').click();
    await expectText('#status', `@${biz.igAccount.username} is reconnected.`);
    await page.locator('li.account[data-status="active"]').waitFor({ state: 'visible' });
  });

  it('disconnects the account with the keyboard and shows it gone', async () => {
    const disconnect = page.locator('button[data-action="disconnect"]');
    await disconnect.focus();
    await page.keyboard.press('Enter');
    const confirm = page.locator('button[data-action="confirm-disconnect"]');
    await confirm.waitFor({ state: 'visible' });
    await waitFor(
      'focus on the confirmation',
      async () =>
        (await page.evaluate<string | undefined>(
          'document.activeElement && document.activeElement.dataset.action',
        )) === 'confirm-disconnect',
    );
    await shot('08-confirm-disconnect');
    await page.keyboard.press('Enter');
    await page.locator('#accounts-empty').waitFor({ state: 'visible' });
    expect(await page.locator('li.account').count()).toBe(0);
    await expectText('#status', 'is disconnected');
    await expectText('#disconnected-note', '1 disconnected account');
    await shot('09-disconnected');
    const installation = await installations().findByOrganization(org.organizationId);
    const [row] = await accounts().listForInstallation(installation!.id);
    expect(row.status).toBe('disconnected');
  });

  it('works inside LiveChat’s app-settings iframe: sign-in and Facebook open in popups', async () => {
    const other = await installedElsewhere();
    const framed = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    try {
      // The test gateway is on 127.0.0.1; Chromium asks before a public site frames a local one.
      await framed.grantPermissions(['local-network-access'], {
        origin: 'https://my.livechatinc.com',
      });
      // LiveChat's Agent App, played by a page on its real origin (answered by the test).
      await framed.route('https://my.livechatinc.com/**', (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: `<!doctype html><title>LiveChat</title><h1>Apps</h1><iframe id="app" title="Instagram" src="${world.gateway.url}/app" style="width:420px;height:720px"></iframe>`,
        }),
      );
      const host = await framed.newPage();
      host.setDefaultTimeout(10_000);
      await host.goto('https://my.livechatinc.com/settings/apps/instagram');
      const app = host.frameLocator('#app');
      await app.locator('#signin').waitFor({ state: 'visible' });

      // Keyboard, not mouse: Playwright's clicks into a cross-site iframe time out under Jest's
      // VM sandbox (they work from plain Node); focus + Enter is also what a keyboard user does.
      const activate = async (selector: string): Promise<void> => {
        await app.locator(selector).focus();
        await host.keyboard.press('Enter');
      };
      const signInPopup = framed.waitForEvent('page');
      await activate('#signin');
      const signIn = await signInPopup;
      await signIn.waitForEvent('close');
      await app.locator('#app-panel').waitFor({ state: 'visible' });
      await app.locator('#accounts-empty').waitFor({ state: 'visible' });

      const connectPopup = framed.waitForEvent('page');
      await activate('#connect');
      const facebook = await connectPopup;
      await facebook.locator('#continue').click();
      await facebook.waitForEvent('close');
      const item = app.locator('li.account[data-status="active"]');
      await item.waitFor({ state: 'visible' });
      expect(await item.innerText()).toContain(`@${other.biz.igAccount.username}`);
      await host.screenshot({ path: join(ARTIFACTS, '10-in-livechat-iframe.png') });
    } finally {
      await framed.close();
    }
  });

  it('used no cookie and broke no rule of the page’s CSP on the way', async () => {
    expect(await context.cookies(world.gateway.url)).toEqual([]);
    expect(cookieHeaders).toEqual([]);
    expect(problems).toEqual([]);
  });

  /** Another organization (signed in at LiveChat now) with the app installed, and its own Instagram. */
  async function installedElsewhere(): Promise<{ org: OrganizationHandle; biz: FacebookBusiness }> {
    const other = world.livechat.state.createOrganization();
    const installed = await fetch(
      `${world.gateway.url}/install?code=${encodeURIComponent(other.code)}`,
      { redirect: 'manual' },
    );
    expect(installed.status).toBe(303);
    const otherBiz = facebookBusiness(world);
    world.meta.state.setLoginBehavior({ mode: 'prompt', userId: otherBiz.user.id });
    return { org: other, biz: otherBiz };
  }

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
});
