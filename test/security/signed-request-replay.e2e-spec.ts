import { getQueueToken } from '@nestjs/bull';
import { createSignedRequest } from '@app/meta-graph';
import { InstagramAccountRepository } from '@app/persistence';
import { QueueName } from '@app/queues';
import { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { connectionOf } from '../support/seeded-records';
import { World } from '../support/world';

/** Meta's signed_request has no nonce: a captured one must not act twice, nor act late. */
describe('attack: replaying a captured Meta signed_request', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 0 });
  });

  afterAll(async () => {
    await world?.close();
  });

  const url = (path: string): string => `${world.gateway.url}${path}`;
  const sql = <T>(text: string, params: unknown[]): Promise<T[]> =>
    world.gateway.app.get(DataSource).query<T[]>(text, params);
  const deletionRequests = async (userId: string): Promise<number> =>
    Number(
      (
        await sql<{ n: string }>(
          `SELECT count(*) AS n FROM deletion_requests WHERE facebook_user_id = $1`,
          [userId],
        )
      )[0].n,
    );
  const accountStatus = async (id: string): Promise<string | undefined> =>
    (await sql<{ status: string }>(`SELECT status FROM instagram_accounts WHERE id = $1`, [id]))[0]
      ?.status;
  const deletionJobs = async (): Promise<number> => {
    const queue = world.gateway.app.get<Queue>(getQueueToken(QueueName.META_DATA_DELETION), {
      strict: false,
    });
    const counts = await queue.getJobCounts();
    return counts.waiting + counts.active + counts.delayed + counts.completed + counts.failed;
  };

  it('a replayed data-deletion request answers the same confirmation code and changes nothing', async () => {
    const biz = await world.connectBusiness();
    const signed = world.meta.signedRequest({ userId: biz.meta.user.id });
    const post = (): Promise<{ status: number; text: string }> =>
      world.meta.postSignedRequest(url('/meta/data-deletion'), {
        userId: biz.meta.user.id,
        signedRequest: signed,
      });
    const first = await post();
    expect(first.status).toBe(200);
    const { confirmation_code: code, url: statusUrl } = JSON.parse(first.text) as {
      confirmation_code: string;
      url: string;
    };
    const jobsAfterFirst = await deletionJobs();
    // Later, and several at once.
    const replays = await Promise.all([post(), post(), post()]);
    for (const replay of replays) {
      expect(replay.status).toBe(200);
      expect(JSON.parse(replay.text)).toEqual({ url: statusUrl, confirmation_code: code });
    }
    expect(await deletionRequests(biz.meta.user.id)).toBe(1);
    expect(await deletionJobs()).toBe(jobsAfterFirst);
  });

  it('a replayed deauthorize does not disconnect the account its user connected again', async () => {
    const biz = await world.connectBusiness();
    const signed = world.meta.signedRequest({ userId: biz.meta.user.id });
    const first = await world.meta.postSignedRequest(url('/meta/deauthorize'), {
      userId: biz.meta.user.id,
      signedRequest: signed,
    });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({ status: 'disconnected' });
    expect(await accountStatus(biz.account.id)).toBe('disconnected');

    // The user connects the account again; then someone replays the captured request.
    await world.gateway.app
      .get(InstagramAccountRepository)
      .connect(connectionOf(biz.installation.id, biz.meta));
    expect(await accountStatus(biz.account.id)).toBe('active');
    const replay = await world.meta.postSignedRequest(url('/meta/deauthorize'), {
      userId: biz.meta.user.id,
      signedRequest: signed,
    });
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.text)).toEqual({ status: 'disconnected' });
    expect(await accountStatus(biz.account.id)).toBe('active');
  });

  it('refuses a signed_request issued more than an hour ago, or without issued_at, changing nothing', async () => {
    const biz = await world.connectBusiness();
    const userId = biz.meta.user.id;
    const old = world.meta.signedRequest({
      userId,
      issuedAt: Math.floor(Date.now() / 1000) - 2 * 3600,
    });
    const undated = createSignedRequest(
      { algorithm: 'HMAC-SHA256', user_id: userId },
      world.vars.META_APP_SECRET,
    );
    for (const path of ['/meta/deauthorize', '/meta/data-deletion']) {
      for (const signedRequest of [old, undated]) {
        const res = await world.meta.postSignedRequest(url(path), { userId, signedRequest });
        expect(res.status).toBe(400);
        expect(res.text).toMatch(/issued_at/);
      }
    }
    expect(await accountStatus(biz.account.id)).toBe('active');
    expect(await deletionRequests(userId)).toBe(0);
  });
});
