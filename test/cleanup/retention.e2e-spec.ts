import { INestApplicationContext } from '@nestjs/common';
import { DeletionRequestRepository } from '@app/persistence';
import { JobProducer, QueueName } from '@app/queues';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';
import { linkDone, query, relayOne, runJob } from './cleanup-helpers';

const DAY_MS = 86_400_000;

describe('retention sweeps and token health (repeatable jobs of the cleanup worker)', () => {
  let world: World;
  let cleanup: INestApplicationContext;
  let biz: ConnectedBusiness;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 1 });
    cleanup = await world.startCleanupWorker();
    biz = await world.connectBusiness();
  });

  afterAll(async () => {
    await world?.close();
  });

  const producer = (): JobProducer => cleanup.get(JobProducer);

  it('registers the sweeps and token checks as repeatable jobs with fixed ids', async () => {
    const sweeps = await producer().queue(QueueName.RETENTION_SWEEP).getRepeatableJobs();
    expect(sweeps.map((j) => j.id).sort()).toEqual([
      'sweep.conversations',
      'sweep.deletion-requests',
      'sweep.failed-jobs',
      'sweep.message-links',
    ]);
    const health = await producer().queue(QueueName.TOKEN_HEALTH).getRepeatableJobs();
    expect(health.map((j) => j.id).sort()).toEqual([
      'health.instagram-refresh',
      'health.livechat-refresh',
      'health.watchdog',
    ]);
    // A second worker registers the same schedule, not a second one.
    const second = await world.startCleanupWorker();
    expect(await producer().queue(QueueName.RETENTION_SWEEP).getRepeatableJobs()).toHaveLength(4);
    await world.stopWorker(second);
  });

  it('removes failed jobs (ids and reason; no text) older than FAILED_JOB_RETENTION_DAYS', async () => {
    const inbound = producer().queue(QueueName.INSTAGRAM_INBOUND);
    // LiveChat refuses to create customers for good: both messages fail, with their text.
    world.livechat.faults.inject({ route: 'customer_token', status: 400 });
    const older = world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id });
    const newer = world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id });
    const sendFrom = (igsid: string, text: string): Promise<unknown> =>
      world.meta.customerSends({ igAccountId: biz.meta.igAccount.id, igsid, text });
    try {
      await sendFrom(older.igsid, 'old failed secret');
      await waitFor('the first failed job', async () => (await inbound.getFailedCount()) === 1);
      await sendFrom(newer.igsid, 'recent failed text');
      await waitFor('the second failed job', async () => (await inbound.getFailedCount()) === 2);
    } finally {
      world.livechat.faults.clear();
    }
    const failed = await inbound.getFailed();
    const old = failed.find((j) => j.data.igsid === older.igsid);
    const recent = failed.find((j) => j.data.igsid === newer.igsid);
    expect(old && recent).toBeTruthy();

    // Make the first one look eight days old (the default retention is seven).
    await inbound.client.hset(
      inbound.toKey(String(old?.id)),
      'finishedOn',
      String(Date.now() - 8 * DAY_MS),
    );
    await runJob(cleanup, QueueName.RETENTION_SWEEP, { sweep: 'failed-jobs' });

    expect(await inbound.getJob(String(old?.id))).toBeNull();
    expect(await inbound.getJob(String(recent?.id))).not.toBeNull();
    const values = await world.redisValues();
    expect(values.some((v) => v.includes('old failed secret'))).toBe(false);
    // The failed job that stays kept why it failed, never what was written (test/security/).
    expect(values.some((v) => v.includes('recent failed text'))).toBe(false);
    expect(recent?.data.gaveUp?.kind).toBe('permanent');
  });

  it('removes message links older than MESSAGE_LINK_RETENTION_DAYS, except one still to be deleted', async () => {
    const a = await relayOne(world, biz, 'old link');
    const b = await relayOne(world, biz, 'old link, delete pending');
    const c = await relayOne(world, biz, 'fresh link');
    for (const m of [a, b, c]) {
      await linkDone(world, biz, m.mid);
    }
    await query(
      world,
      `UPDATE message_links SET created_at = now() - interval '31 days'
        WHERE instagram_account_id = $1 AND instagram_message_id = ANY($2)`,
      [biz.account.id, [`m:${a.mid}`, `m:${b.mid}`]],
    );
    // A delete promise for b that is not applied yet (as if its job were lost).
    await cleanup.get(DeletionRequestRepository).requestMessageDelete({
      instagramAccountId: biz.account.id,
      itemKey: `m:${b.mid}`,
      dueAt: new Date(Date.now() + 10 * DAY_MS),
    });

    await runJob(cleanup, QueueName.RETENTION_SWEEP, { sweep: 'message-links' });
    const left = await query<{ instagram_message_id: string }>(
      world,
      `SELECT instagram_message_id FROM message_links WHERE instagram_message_id = ANY($1)`,
      [[`m:${a.mid}`, `m:${b.mid}`, `m:${c.mid}`]],
    );
    expect(left.map((r) => r.instagram_message_id).sort()).toEqual(
      [`m:${b.mid}`, `m:${c.mid}`].sort(),
    );

    // The deletion-promise sweep then applies b's delete in LiveChat (link landed, job lost).
    await runJob(cleanup, QueueName.RETENTION_SWEEP, { sweep: 'deletion-requests' });
    await waitFor('b deleted in LiveChat', () =>
      world.livechat.state
        .events(b.chatId, { includeDeleted: true })
        .some((e) => e.id === b.eventId && e.deleted),
    );
    await waitFor('b done', async () => {
      const r = await cleanup
        .get(DeletionRequestRepository)
        .findMessageDelete(biz.account.id, `m:${b.mid}`);
      return r?.status === 'done';
    });
  });

  it('closes a delete whose message never came once its promise falls due, and forgets finished requests', async () => {
    const deletions = cleanup.get(DeletionRequestRepository);
    const never = await deletions.requestMessageDelete({
      instagramAccountId: biz.account.id,
      itemKey: 'm:never-arrived',
      dueAt: new Date(Date.now() - 1_000),
    });
    const finishedLongAgo = await deletions.requestMessageDelete({
      instagramAccountId: biz.account.id,
      itemKey: 'm:finished-long-ago',
      dueAt: new Date(Date.now() - 40 * DAY_MS),
    });
    await deletions.markDone(finishedLongAgo.id, 'Deleted in LiveChat.');
    await query(
      world,
      `UPDATE deletion_requests SET completed_at = now() - interval '31 days' WHERE id = $1`,
      [finishedLongAgo.id],
    );

    await runJob(cleanup, QueueName.RETENTION_SWEEP, { sweep: 'deletion-requests' });
    expect((await deletions.findById(never.id))?.status).toBe('done');
    expect((await deletions.findById(never.id))?.detail).toMatch(/never reached LiveChat/);
    expect(await deletions.findById(finishedLongAgo.id)).toBeNull();
  });

  it('forgets conversations idle for CONVERSATION_IDLE_DAYS that have no link left', async () => {
    const idle = world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id });
    const m = await relayOne(world, biz, 'long ago', idle.igsid);
    await linkDone(world, biz, m.mid);
    const conversation = (
      await query<{ id: string }>(
        world,
        `SELECT id FROM conversations WHERE instagram_account_id = $1 AND igsid = $2`,
        [biz.account.id, idle.igsid],
      )
    )[0];
    await query(world, `DELETE FROM message_links WHERE conversation_id = $1`, [conversation.id]);
    await query(
      world,
      `UPDATE conversations SET updated_at = now() - interval '181 days',
              created_at = now() - interval '200 days', last_inbound_at = now() - interval '181 days'
        WHERE id = $1`,
      [conversation.id],
    );
    const busy = (
      await query<{ n: string }>(world, `SELECT count(*) AS n FROM conversations WHERE id <> $1`, [
        conversation.id,
      ])
    )[0].n;

    await runJob(cleanup, QueueName.RETENTION_SWEEP, { sweep: 'conversations' });
    expect(
      await query(world, `SELECT id FROM conversations WHERE id = $1`, [conversation.id]),
    ).toEqual([]);
    const others = (await query<{ n: string }>(world, `SELECT count(*) AS n FROM conversations`))[0]
      .n;
    expect(others).toBe(busy);
  });

  it('refreshes LiveChat tokens before they expire', async () => {
    await query(
      world,
      `UPDATE installations SET access_token_expires_at = now() + interval '5 minutes' WHERE id = $1`,
      [biz.installation.id],
    );
    world.livechat.clearCalls();
    await runJob(cleanup, QueueName.TOKEN_HEALTH, { check: 'livechat-refresh' });
    const refreshes = world.livechat
      .callsTo('token')
      .filter((c) => (c.body as { grant_type?: string }).grant_type === 'refresh_token');
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    const row = (
      await query<{ access_token_expires_at: Date }>(
        world,
        `SELECT access_token_expires_at FROM installations WHERE id = $1`,
        [biz.installation.id],
      )
    )[0];
    expect(row.access_token_expires_at.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
  });

  it('marks an account whose Page token Facebook no longer accepts as needing reconnection', async () => {
    const healthy = await world.connectBusiness();
    const broken = await world.connectBusiness();
    world.meta.state.invalidateToken(broken.meta.pageToken, 'password-changed');

    for (const biz of [healthy, broken]) {
      await runJob(cleanup, QueueName.TOKEN_HEALTH, {
        check: 'account',
        accountId: biz.account.id,
        installationId: biz.installation.id,
        correlationId: `health-${biz.account.id}`,
      });
    }
    expect(world.meta.callsTo('GET', '/debug_token').length).toBeGreaterThanOrEqual(2);
    const rows = await query<{ id: string; status: string; status_reason: string | null }>(
      world,
      `SELECT id, status, status_reason FROM instagram_accounts WHERE id = ANY($1)`,
      [[healthy.account.id, broken.account.id]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(healthy.account.id)?.status).toBe('active');
    expect(byId.get(broken.account.id)?.status).toBe('needs_reconnect');
    expect(byId.get(broken.account.id)?.status_reason).toMatch(/Connect Instagram again/);
  });
});
