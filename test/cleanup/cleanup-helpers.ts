import { INestApplicationContext } from '@nestjs/common';
import { InstagramAccountDirectory } from '@app/credentials';
import { JobOf, JobProducer, QueueName } from '@app/queues';
import { DataSource } from 'typeorm';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

/** Every id the data of a connected business is known by, in Postgres, Redis and job payloads. */
export interface BusinessIds {
  installationId: string;
  organizationId: string;
  accountId: string;
  instagramAccountId: string;
  conversationIds: string[];
  customerIds: string[];
  chatIds: string[];
}

export function db(world: World): DataSource {
  return world.gateway.app.get(DataSource);
}

export async function query<T>(world: World, sql: string, params: unknown[] = []): Promise<T[]> {
  return db(world).query<T[]>(sql, params);
}

export async function idsOf(world: World, biz: ConnectedBusiness): Promise<BusinessIds> {
  const conversations = await query<{
    id: string;
    livechat_customer_id: string | null;
    chat_id: string | null;
  }>(
    world,
    `SELECT id, livechat_customer_id, chat_id FROM conversations WHERE installation_id = $1`,
    [biz.installation.id],
  );
  return {
    installationId: biz.installation.id,
    organizationId: biz.org.organizationId,
    accountId: biz.account.id,
    instagramAccountId: biz.meta.igAccount.id,
    conversationIds: conversations.map((c) => c.id),
    customerIds: conversations.map((c) => c.livechat_customer_id).filter((v): v is string => !!v),
    chatIds: conversations.map((c) => c.chat_id).filter((v): v is string => !!v),
  };
}

/** Rows anywhere in the schema that still belong to the installation (or only the account). */
export async function rowsLeft(
  world: World,
  ids: BusinessIds,
  scope: 'installation' | 'account' = 'installation',
): Promise<Record<string, number>> {
  const count = async (sql: string, params: unknown[]): Promise<number> =>
    Number((await query<{ n: string }>(world, sql, params))[0].n);
  const left: Record<string, number> = {
    instagram_accounts: await count(`SELECT count(*) AS n FROM instagram_accounts WHERE id = $1`, [
      ids.accountId,
    ]),
    conversations: await count(
      `SELECT count(*) AS n FROM conversations WHERE instagram_account_id = $1`,
      [ids.accountId],
    ),
    message_links: await count(
      `SELECT count(*) AS n FROM message_links WHERE instagram_account_id = $1`,
      [ids.accountId],
    ),
    deletion_requests: await count(
      `SELECT count(*) AS n FROM deletion_requests WHERE instagram_account_id = $1`,
      [ids.accountId],
    ),
  };
  if (scope === 'installation') {
    left.installations = await count(`SELECT count(*) AS n FROM installations WHERE id = $1`, [
      ids.installationId,
    ]);
    left.installation_accounts = await count(
      `SELECT count(*) AS n FROM instagram_accounts WHERE installation_id = $1`,
      [ids.installationId],
    );
    left.installation_links = await count(
      `SELECT count(*) AS n FROM message_links WHERE installation_id = $1`,
      [ids.installationId],
    );
    left.installation_conversations = await count(
      `SELECT count(*) AS n FROM conversations WHERE installation_id = $1`,
      [ids.installationId],
    );
  }
  return Object.fromEntries(Object.entries(left).filter(([, n]) => n > 0));
}

/** Redis keys of the world whose name carries one of the ids (as a whole `:`/`.` segment). */
export async function keysMentioning(world: World, ids: readonly string[]): Promise<string[]> {
  const wanted = new Set(ids.filter(Boolean));
  return (await world.redisKeys()).filter((key) =>
    key
      .slice(world.prefix.length + 1)
      .split(/[:.]/)
      .some((segment) => wanted.has(segment)),
  );
}

export function idList(
  ids: BusinessIds,
  scope: 'installation' | 'account' = 'installation',
): string[] {
  const accountIds = [
    ids.accountId,
    ids.instagramAccountId,
    ...ids.conversationIds,
    ...ids.customerIds,
    ...ids.chatIds,
  ];
  return scope === 'installation'
    ? [ids.installationId, ids.organizationId, ...accountIds]
    : accountIds;
}

export function appWebhookUrl(world: World, token = world.vars.LIVECHAT_APP_WEBHOOK_TOKEN): string {
  return `${world.gateway.url}/webhooks/livechat/app?token=${encodeURIComponent(token)}`;
}

/** Relays one customer message and waits until its LiveChat event exists; returns it. */
export async function relayOne(
  world: World,
  biz: ConnectedBusiness,
  text: string,
  igsid = biz.meta.customer.igsid,
): Promise<{ mid: string; chatId: string; eventId: string }> {
  const sent = await world.meta.customerSends({
    igAccountId: biz.meta.igAccount.id,
    igsid,
    text,
  });
  expect(sent.delivery.status).toBe(200);
  const mid = sent.mid ?? '';
  return waitFor(`"${text}" in LiveChat`, () => {
    for (const chat of world.livechat.state.chats(biz.org.organizationId)) {
      const event = world.livechat.state
        .events(chat.id, { includeDeleted: true })
        .find((e) => e.customId === `ig:m:${mid}`);
      if (event) {
        return { mid, chatId: chat.id, eventId: event.id };
      }
    }
    return undefined;
  });
}

/** Waits until the message's link is recorded as done (the relay finished with it). */
export async function linkDone(world: World, biz: ConnectedBusiness, mid: string): Promise<void> {
  await waitFor(`the link of ${mid}`, async () => {
    const rows = await query<{ state: string }>(
      world,
      `SELECT state FROM message_links WHERE instagram_account_id = $1 AND instagram_message_id = $2`,
      [biz.account.id, `m:${mid}`],
    );
    return rows[0]?.state === 'done';
  });
}

/** Waits until the relay worker itself sees the installation/account in the given state. */
export async function relaySees(
  relay: INestApplicationContext,
  instagramAccountId: string,
  predicate: (found: Awaited<ReturnType<InstagramAccountDirectory['find']>>) => boolean,
): Promise<void> {
  const directory = relay.get(InstagramAccountDirectory);
  await waitFor('the relay worker to see the change', async () =>
    predicate(await directory.find(instagramAccountId)),
  );
}

/**
 * Runs one job on a queue the cleanup worker consumes (what the scheduler would add), and waits
 * until it completed (completed jobs are removed); fails with the job's reason if it failed.
 */
export async function runJob<Q extends QueueName>(
  app: INestApplicationContext,
  queue: Q,
  data: JobOf<Q>,
): Promise<void> {
  const q = app.get(JobProducer).queue(queue);
  const job = await q.add(data);
  await waitFor(`job ${String(job.id)} on ${queue}`, async () => {
    const current = await q.getJob(job.id);
    if (!current) {
      return true;
    }
    if (await current.isFailed()) {
      throw new Error(`job failed: ${current.failedReason ?? 'unknown'}`);
    }
    return false;
  });
}

/** Waits until no job of the queue is waiting, delayed or running. */
export async function queueIdle(app: INestApplicationContext, queue: QueueName): Promise<void> {
  const q = app.get(JobProducer).queue(queue);
  await waitFor(`${queue} to be idle`, async () => {
    const counts = await q.getJobCounts();
    return counts.waiting + counts.active + counts.delayed === 0;
  });
}
