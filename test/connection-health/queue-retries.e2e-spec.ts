import { randomBytes } from 'node:crypto';
import { INestApplicationContext, LoggerService } from '@nestjs/common';
import {
  InstallationRepository,
  installationTokenContext,
  keyIdOf,
  TokenCipher,
} from '@app/persistence';
import { loadEnv } from '@app/platform';
import { ALL_QUEUES, JobProducer, QUEUE_CONSUMER, QueueName } from '@app/queues';
import { Job } from 'bull';
import { DataSource } from 'typeorm';
import { CleanupWorkerEnv } from '../../apps/cleanup-worker/src/config/cleanup-worker.env';
import { createCleanupWorker } from '../../apps/cleanup-worker/src/create-cleanup-worker';
import { RelayWorkerEnv } from '../../apps/relay-worker/src/config/relay-worker.env';
import { createRelayWorker } from '../../apps/relay-worker/src/create-relay-worker';
import { World } from '../support/world';
import { waitFor } from '../support/wait-for';
import { eventOf, query, relayed } from './health-helpers';

/** Every line the workers log, whatever its level. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  private push(level: string, message: unknown): void {
    this.lines.push(`${level} ${typeof message === 'string' ? message : JSON.stringify(message)}`);
  }

  log(message: unknown): void {
    this.push('log', message);
  }

  error(message: unknown): void {
    this.push('error', message);
  }

  warn(message: unknown): void {
    this.push('warn', message);
  }

  debug(message: unknown): void {
    this.push('debug', message);
  }

  verbose(message: unknown): void {
    this.push('verbose', message);
  }
}

/**
 * A one-shot fault in Postgres itself: the next statement of `op` on `table` fails (a sequence, not
 * a row, counts the shots: it is not rolled back with the failed statement). `first` runs in the
 * same transaction, so what it sets up and the armed fault appear to other sessions together.
 */
async function failNextStatement(
  world: World,
  table: string,
  op: 'INSERT' | 'UPDATE' | 'DELETE',
  first?: { sql: string; params: unknown[] },
): Promise<void> {
  const name = `test_fault_${table}_${op.toLowerCase()}`;
  const runner = world.gateway.app.get(DataSource).createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    if (first) {
      await runner.query(first.sql, first.params);
    }
    await runner.query(`DROP TRIGGER IF EXISTS ${name} ON ${table}`);
    await runner.query(`DROP SEQUENCE IF EXISTS ${name}`);
    await runner.query(`CREATE SEQUENCE ${name}`);
    await runner.query(
      `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF nextval('${name}') = 1 THEN
           RAISE EXCEPTION 'injected fault: % on %', TG_OP, TG_TABLE_NAME;
         END IF;
         RETURN NULL;
       END $$`,
    );
    await runner.query(
      `CREATE TRIGGER ${name} BEFORE ${op} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${name}()`,
    );
    await runner.commitTransaction();
  } catch (error) {
    await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

describe('every queue retries after a failure (no "queue error")', () => {
  /** A retired token key: the cleanup worker still reads it, and re-encrypts what is under it. */
  const OLD_KEY = randomBytes(32).toString('base64');
  let world: World;
  let relay: INestApplicationContext;
  let cleanup: INestApplicationContext;
  const logs = new CapturingLogger();
  /** Per queue: ids of jobs that failed an attempt (not deferrals), and of jobs that completed. */
  const failed = new Map<QueueName, Map<string, string>>();
  const completed = new Map<QueueName, Set<string>>();

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 0, env: { PURGE_DELAY_SECONDS: '2' } });
    relay = await createRelayWorker(loadEnv(RelayWorkerEnv, world.vars), { logger: logs });
    world.workers.push(relay);
    cleanup = await createCleanupWorker(
      loadEnv(CleanupWorkerEnv, { ...world.vars, TOKEN_ENCRYPTION_PREVIOUS_KEYS: OLD_KEY }),
      { logger: logs },
    );
    world.workers.push(cleanup);
    for (const name of ALL_QUEUES) {
      failed.set(name, new Map());
      completed.set(name, new Set());
    }
    for (const [app, worker] of [
      ['relay-worker', relay],
      ['cleanup-worker', cleanup],
    ] as const) {
      const producer = worker.get(JobProducer);
      for (const name of ALL_QUEUES.filter((q) => QUEUE_CONSUMER[q] === app)) {
        const queue = producer.queue(name);
        queue.on('failed', (job: Job, error: Error) => {
          if (!error.message.startsWith('deferred:')) {
            failed.get(name)!.set(String(job.id), error.message);
          }
        });
        queue.on('completed', (job: Job) => completed.get(name)!.add(String(job.id)));
      }
    }
    world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  /** A job of the queue failed once and then completed (a retry ran and succeeded). */
  function retried(name: QueueName): Promise<string> {
    return waitFor(`a retried job on ${name} to complete`, () =>
      [...failed.get(name)!.keys()].find((id) => completed.get(name)!.has(id)),
    );
  }

  it('retries a job on every queue after one injected failure, and it succeeds', async () => {
    const biz = await world.connectBusiness();
    const igsid = biz.meta.customer.igsid;

    // instagram-inbound (LiveChat 500 on start_chat) and customer-profile (Graph 500 on the profile).
    world.livechat.faults.inject({ route: 'start_chat', status: 500, times: 1 });
    world.meta.faults.inject({ route: `GET /${igsid}`, status: 500, times: 1 });
    const first = await relayed(world, biz, igsid, 'hello after a LiveChat 500');
    await retried(QueueName.INSTAGRAM_INBOUND);
    await retried(QueueName.CUSTOMER_PROFILE);

    // livechat-inbound: the agent's reply meets a Send API 500 once.
    world.meta.faults.inject({ route: 'POST /me/messages', status: 500, times: 1 });
    await world.livechat.agentSendsMessage(first.chatId, { text: 'reply after a Graph 500' });
    await waitFor('the reply on Instagram', () =>
      world.meta.state
        .sentTo(biz.meta.igAccount.id, igsid)
        .some((m) => m.text === 'reply after a Graph 500'),
    );
    await retried(QueueName.LIVECHAT_INBOUND);

    // instagram-message-delete: LiveChat's delete_event answers 500 once.
    world.livechat.faults.inject({ route: 'delete_event', status: 500, times: 1 });
    await world.meta.customerDeletes({ igAccountId: biz.meta.igAccount.id, igsid, mid: first.mid });
    await waitFor(
      'the event deleted in LiveChat',
      () =>
        world.livechat.state
          .events(first.chatId, { includeDeleted: true })
          .find((e) => e.customId === `ig:m:${first.mid}`)?.deleted,
    );
    expect(eventOf(world, biz, first.mid)).toBeUndefined();
    await retried(QueueName.INSTAGRAM_MESSAGE_DELETE);

    // token-revocation (Graph 500 on unsubscribing the Page) and data-purge (Postgres refuses
    // the first DELETE of an account row), through a disconnect.
    world.meta.faults.inject({ route: 'DELETE /:id/subscribed_apps', status: 500, times: 1 });
    await failNextStatement(world, 'instagram_accounts', 'DELETE');
    const disconnect = await fetch(
      `${world.gateway.url}/api/instagram/accounts/${biz.account.id}`,
      { method: 'DELETE', headers: { authorization: `Bearer ${biz.org.accessToken}` } },
    );
    expect(disconnect.status).toBe(200);
    await retried(QueueName.TOKEN_REVOCATION);
    await retried(QueueName.DATA_PURGE);

    // meta-data-deletion: Graph 500 on unsubscribing the second business's Page.
    const second = await world.connectBusiness();
    world.meta.faults.inject({ route: 'DELETE /:id/subscribed_apps', status: 500, times: 1 });
    const deletion = await world.meta.postSignedRequest(`${world.gateway.url}/meta/data-deletion`, {
      userId: second.meta.user.id,
    });
    expect(deletion.status).toBe(200);
    await retried(QueueName.META_DATA_DELETION);

    // retention-sweep: Postgres refuses the first DELETE of message links.
    await failNextStatement(world, 'message_links', 'DELETE');
    await cleanup.get(JobProducer).queue(QueueName.RETENTION_SWEEP).add({ sweep: 'message-links' });
    await retried(QueueName.RETENTION_SWEEP);

    // token-health: the watchdog's tick; Postgres refuses its first claim of due accounts. The
    // new account is made unscheduled in the transaction that arms the fault, so whichever tick
    // comes next (this one, or the repeatable one) claims it and meets the fault.
    const watched = await world.connectBusiness();
    await failNextStatement(world, 'instagram_accounts', 'UPDATE', {
      sql: 'UPDATE instagram_accounts SET health_due_at = NULL WHERE id = $1',
      params: [watched.account.id],
    });
    await cleanup.get(JobProducer).queue(QueueName.TOKEN_HEALTH).add({ check: 'watchdog' });
    const tick = await retried(QueueName.TOKEN_HEALTH);
    expect(failed.get(QueueName.TOKEN_HEALTH)!.get(tick)).toBe(
      'injected fault: UPDATE on instagram_accounts',
    );
    const [claimed] = await query<{ health_due_at: Date | null }>(
      world,
      'SELECT health_due_at FROM instagram_accounts WHERE id = $1',
      [watched.account.id],
    );
    expect(claimed.health_due_at).not.toBeNull();

    // token-reencryption: one installation token still under the retired key; Postgres refuses
    // the first UPDATE of installations (its rewrite under the current key).
    const installations = world.gateway.app.get(InstallationRepository);
    const rotated = await installations.upsertGrant({
      organizationId: 'rotation-org',
      accountId: 'rotation-account',
      accessToken: 'dal:rotation-access',
      refreshToken: null,
      expiresAt: new Date(Date.now() + 3_600_000),
      scopes: 'chats--all:rw',
    });
    const underOldKey = new TokenCipher(OLD_KEY).encrypt(
      'dal:rotation-access',
      installationTokenContext(rotated.id, 'access'),
    );
    await failNextStatement(world, 'installations', 'UPDATE', {
      sql: 'UPDATE installations SET access_token_enc = $1 WHERE id = $2',
      params: [underOldKey, rotated.id],
    });
    await cleanup
      .get(JobProducer)
      .queue(QueueName.TOKEN_REENCRYPTION)
      .add({ trigger: 'boot' }, { attempts: 3, removeOnComplete: true });
    const run = await retried(QueueName.TOKEN_REENCRYPTION);
    expect(failed.get(QueueName.TOKEN_REENCRYPTION)!.get(run)).toBe(
      'injected fault: UPDATE on installations',
    );
    const currentKeyId = keyIdOf(Buffer.from(world.vars.TOKEN_ENCRYPTION_KEY, 'base64'));
    const [rewritten] = await query<{ access_token_enc: string }>(
      world,
      'SELECT access_token_enc FROM installations WHERE id = $1',
      [rotated.id],
    );
    expect(rewritten.access_token_enc.startsWith(`v1:${currentKeyId}:`)).toBe(true);
    expect((await installations.getTokens(rotated.id)).accessToken).toBe('dal:rotation-access');

    for (const name of ALL_QUEUES) {
      expect([...failed.get(name)!.keys()].some((id) => completed.get(name)!.has(id))).toBe(true);
    }
    expect(logs.lines.filter((line) => line.includes('queue error'))).toEqual([]);
    expect(logs.lines.join('\n')).not.toMatch(/random is not a function/);
  });
});
