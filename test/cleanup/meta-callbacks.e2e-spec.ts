import { INestApplicationContext } from '@nestjs/common';
import { CleanupAuditRepository, InstallationRepository } from '@app/persistence';
import { World } from '../support/world';
import { waitFor } from '../support/wait-for';
import {
  idList,
  idsOf,
  keysMentioning,
  linkDone,
  query,
  relayOne,
  relaySees,
  rowsLeft,
} from './cleanup-helpers';

describe("Meta's deauthorize and data-deletion callbacks", () => {
  let world: World;
  let relay: INestApplicationContext;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 1, env: { PURGE_DELAY_SECONDS: '1' } });
    relay = world.workers[0];
    await world.startCleanupWorker();
  });

  afterAll(async () => {
    await world?.close();
  });

  const url = (path: string): string => `${world.gateway.url}${path}`;

  async function accountStatus(id: string): Promise<string | undefined> {
    const rows = await query<{ status: string }>(
      world,
      `SELECT status FROM instagram_accounts WHERE id = $1`,
      [id],
    );
    return rows[0]?.status;
  }

  async function dataDeletionRequests(): Promise<number> {
    const rows = await query<{ n: string }>(
      world,
      `SELECT count(*) AS n FROM deletion_requests WHERE kind = 'meta_data_deletion'`,
    );
    return Number(rows[0].n);
  }

  it('refuses a bad, missing or malformed signed_request and changes nothing', async () => {
    const biz = await world.connectBusiness();
    const userId = biz.meta.user.id;
    const forged = world.meta.signedRequest({ userId, secret: 'not-the-app-secret' });
    const wrongAlgorithm = world.meta.signedRequest({ userId, algorithm: 'HMAC-SHA1' });
    for (const path of ['/meta/deauthorize', '/meta/data-deletion']) {
      const bad = await world.meta.postSignedRequest(url(path), { userId, signedRequest: forged });
      expect(bad.status).toBe(401);
      const alg = await world.meta.postSignedRequest(url(path), {
        userId,
        signedRequest: wrongAlgorithm,
      });
      expect(alg.status).toBe(400);
      const garbage = await world.meta.postSignedRequest(url(path), {
        userId,
        signedRequest: 'not.a-signed-request.at-all',
      });
      expect(garbage.status).toBe(400);
      const missing = await fetch(url(path), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'other=1',
      });
      expect(missing.status).toBe(400);
    }
    expect(await accountStatus(biz.account.id)).toBe('active');
    expect(await dataDeletionRequests()).toBe(0);
    expect(world.meta.callsTo('DELETE', '/:id/permissions')).toHaveLength(0);
    await relayOne(world, biz, 'still connected');
  });

  it('deauthorize: stops relaying at once, revokes, and purges the connections that user made', async () => {
    const biz = await world.connectBusiness();
    const first = await relayOne(world, biz, 'before deauthorize');
    await linkDone(world, biz, first.mid);
    const ids = await idsOf(world, biz);
    world.meta.resetCalls();
    world.livechat.clearCalls();

    // The user removes the app in Facebook (their tokens die), and Meta calls us.
    const answer = await world.meta.postSignedRequest(url('/meta/deauthorize'), {
      userId: biz.meta.user.id,
      deauthorize: true,
    });
    expect(answer.status).toBe(200);
    const status = await accountStatus(biz.account.id);
    expect(status === 'disconnected' || status === undefined).toBe(true);
    await relaySees(
      relay,
      ids.instagramAccountId,
      (f) => !f || f.account.status === 'disconnected',
    );

    // Revocation tried the (now dead) Page token and revoked the user's permissions.
    await world.meta.waitForCalls('DELETE', '/:id/permissions');
    await waitFor('the purge of the account', async () => {
      const rows = await rowsLeft(world, ids, 'account');
      const keys = await keysMentioning(world, idList(ids, 'account'));
      return Object.keys(rows).length === 0 && keys.length === 0;
    });
    // Only that connection: the LiveChat installation stays, its grant untouched.
    const installation = await world.gateway.app
      .get(InstallationRepository)
      .findById(ids.installationId);
    expect(installation?.status).toBe('active');
    expect(world.livechat.callsTo('revoke_token')).toHaveLength(0);

    const trail = await world.gateway.app
      .get(CleanupAuditRepository)
      .listForSubject(ids.installationId);
    const revocation = trail.find((a) => a.action === 'revocation');
    expect(revocation?.reason).toBe('deauthorized');
    expect(revocation?.steps[`meta.subscription[${ids.accountId}]`]).toBe('already-gone');
    expect(trail.map((a) => [a.action, a.scope, a.outcome])).toContainEqual([
      'purge',
      'account',
      'ok',
    ]);
  });

  it('data deletion: answers a status URL and code, deletes at once, and the page says so', async () => {
    const biz = await world.connectBusiness();
    const first = await relayOne(world, biz, 'before data deletion');
    await linkDone(world, biz, first.mid);
    const ids = await idsOf(world, biz);

    const answer = await world.meta.postSignedRequest(url('/meta/data-deletion'), {
      userId: biz.meta.user.id,
    });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text) as { url: string; confirmation_code: string };
    expect(body.confirmation_code).toMatch(/^[A-Z0-9]{20}$/);
    expect(body.url).toBe(`${world.vars.PUBLIC_URL}/meta/data-deletion/${body.confirmation_code}`);

    const statusUrl = url(`/meta/data-deletion/${body.confirmation_code}`);
    const first200 = await fetch(statusUrl);
    expect(first200.status).toBe(200);
    expect(first200.headers.get('content-type')).toMatch(/text\/html/);
    expect(first200.headers.get('set-cookie')).toBeNull();
    expect(await first200.text()).toMatch(/Status: (In progress|Completed)/);

    const page = await waitFor('the status page to say completed', async () => {
      const html = await (await fetch(statusUrl)).text();
      return html.includes('Status: Completed') ? html : undefined;
    });
    expect(page).toContain(body.confirmation_code);
    expect(page).toMatch(/1 Instagram connection\(s\)/);
    expect(page).not.toContain(biz.meta.user.id);

    expect(await rowsLeft(world, ids, 'account')).toEqual({});
    expect(await keysMentioning(world, idList(ids, 'account'))).toEqual([]);
    // The request keeps its code, dates and outcome; no longer who asked.
    const stored = await query<{ facebook_user_id: string | null; status: string }>(
      world,
      `SELECT facebook_user_id, status FROM deletion_requests WHERE confirmation_code = $1`,
      [body.confirmation_code],
    );
    expect(stored).toEqual([{ facebook_user_id: null, status: 'done' }]);
  });

  it('data deletion for someone we hold nothing about completes with that said', async () => {
    const stranger = world.meta.state.addUser({ scopes: [] });
    const answer = await world.meta.postSignedRequest(url('/meta/data-deletion'), {
      userId: stranger.id,
    });
    expect(answer.status).toBe(200);
    const { confirmation_code: code } = JSON.parse(answer.text) as { confirmation_code: string };
    const html = await waitFor('completed', async () => {
      const text = await (await fetch(url(`/meta/data-deletion/${code}`))).text();
      return text.includes('Status: Completed') ? text : undefined;
    });
    expect(html).toContain('Nothing to delete');
  });

  it('answers 404 for an unknown confirmation code', async () => {
    expect((await fetch(url('/meta/data-deletion/NOSUCHCODE123'))).status).toBe(404);
    expect((await fetch(url('/meta/data-deletion/%3Cscript%3E'))).status).toBe(404);
  });
});
