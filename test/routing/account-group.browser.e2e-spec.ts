import { getDataSourceToken } from '@nestjs/typeorm';
import { InstagramAccountRepository, InstallationRepository } from '@app/persistence';
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

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'account-group-browser');

/**
 * The admin routes an Instagram account to a LiveChat group in a real browser (headless Chromium):
 * the groups are offered by name, the choice is saved and checked with LiveChat, an account whose
 * group was deleted shows why, and a DM then lands in the chosen group.
 */
describe('choosing an account’s LiveChat group in a browser', () => {
  let world: World;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let org: OrganizationHandle;
  let meta: SeededBusiness;
  let accountId: string;
  let installationId: string;
  const problems: string[] = [];

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };

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

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await World.start();
    await world.usePublicGatewayUrl();
    org = world.livechat.state.createOrganization({
      groups: [
        { id: 1, name: 'Sales' },
        { id: 2, name: 'Returns' },
      ],
    });
    const installation = await world.gateway.app
      .get(InstallationRepository)
      .upsertGrant(grantOf(org));
    installationId = installation.id;
    meta = world.meta.state.seedBusiness();
    const account = await world.gateway.app
      .get(InstagramAccountRepository)
      .connect(connectionOf(installation.id, meta));
    accountId = account.id;

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await world?.close();
  });

  const item = () => page.locator(`li.account[data-account-id="${accountId}"]`);

  it('signs in and offers the license’s groups by name for the account', async () => {
    world.livechat.state.signIn(org.accountId);
    await page.goto(`${world.gateway.url}/app`);
    await page.locator('#signin').click();
    await item().waitFor({ state: 'visible' });
    const picker = item().getByLabel('LiveChat group', { exact: true });
    expect(await picker.locator('option').allInnerTexts()).toEqual(['General', 'Sales', 'Returns']);
    expect(await picker.inputValue()).toBe('0');
    await shot('01-groups-offered');
  });

  it('saves the group picked by name, and a DM then lands in that group', async () => {
    await item().getByLabel('LiveChat group', { exact: true }).selectOption({ label: 'Sales' });
    await item().locator('[data-action="save-group"]').click();
    await expectText(
      `li.account[data-account-id="${accountId}"] [role="status"]`,
      `Saved: new chats of @${meta.igAccount.username} go to Sales.`,
    );
    await shot('02-group-saved');
    const stored = await world.gateway.app
      .get(InstagramAccountRepository)
      .findForInstallation(installationId, accountId);
    expect(stored?.livechatGroupId).toBe(1);

    // Reloaded, the page still shows it.
    await page.reload();
    await item().waitFor({ state: 'visible' });
    expect(await item().getByLabel('LiveChat group', { exact: true }).inputValue()).toBe('1');

    await world.meta.customerSends({
      igAccountId: meta.igAccount.id,
      igsid: meta.customer.igsid,
      text: 'Do you ship to Norway?',
    });
    const dataSource = world.gateway.app.get<DataSource>(getDataSourceToken());
    const chatId = await waitFor('the chat', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [meta.customer.igsid],
      );
      return rows[0]?.chat_id ?? undefined;
    });
    expect(world.livechat.state.requireChat(chatId).groupIds).toEqual([1]);
  });

  it('shows an unknown group refused, and the problem of a group deleted later', async () => {
    // The group disappears in LiveChat while the page is open: saving it is refused at once.
    await item().getByLabel('LiveChat group', { exact: true }).selectOption({ label: 'Returns' });
    expect(world.livechat.state.deleteGroup(org.organizationId, 2)).toBe(true);
    await item().locator('[data-action="save-group"]').click();
    await expectText(
      `li.account[data-account-id="${accountId}"] [role="status"]`,
      'LiveChat group 2 does not exist',
    );
    await shot('03-unknown-group-refused');

    // The chosen group is deleted later: the account shows why its chats go to General.
    expect(world.livechat.state.deleteGroup(org.organizationId, 1)).toBe(true);
    const newcomer = world.meta.state.addCustomer({ igAccountId: meta.igAccount.id });
    await world.meta.customerSends({
      igAccountId: meta.igAccount.id,
      igsid: newcomer.igsid,
      text: 'Hello?',
    });
    await waitFor('the problem recorded by the relay', async () => {
      const row = await world.gateway.app
        .get(InstagramAccountRepository)
        .findForInstallation(installationId, accountId);
      return row?.livechatGroupProblem ?? undefined;
    });
    await page.reload();
    await item().waitFor({ state: 'visible' });
    await expectText(
      `li.account[data-account-id="${accountId}"] [data-problem="group"]`,
      'LiveChat group 1 no longer exists',
    );
    expect(
      await item()
        .getByLabel('LiveChat group', { exact: true })
        .locator('option:checked')
        .innerText(),
    ).toBe('Group 1 (not found in LiveChat)');
    await shot('04-deleted-group-shown');

    await item().getByLabel('LiveChat group', { exact: true }).selectOption({ label: 'General' });
    await item().locator('[data-action="save-group"]').click();
    await expectText(`li.account[data-account-id="${accountId}"] [role="status"]`, 'go to General');
    expect(await item().locator('[data-problem="group"]').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
