/**
 * The floor of the inbound relay, on this machine: a bare Bull consumer that makes, per message,
 * the one upstream call the relay makes for a known conversation — a Customer Chat `send_event`
 * into the customer's existing chat, through the project's own LiveChat client (same request,
 * same customer token shape, same custom_id) — with no database, no ordering, no retries.
 *
 * Jobs are messaging items (`{ igsid, mid, text }`); `REFERENCE_CHATS` names a JSON file mapping
 * each igsid to its chat id and customer token (what the relay finds in its database and cache).
 * Env: REDIS_URL, REDIS_KEY_PREFIX, REFERENCE_QUEUE, REFERENCE_CHATS, REFERENCE_CONCURRENCY,
 * LIVECHAT_API_URL, LIVECHAT_CLIENT_ID, LIVECHAT_CLIENT_SECRET, LIVECHAT_ORGANIZATION_ID,
 * UPSTREAM_TIMEOUT_MS. Prints "reference relay consuming" once it takes jobs.
 */
import 'reflect-metadata';
import Queue from 'bull';
import { readFileSync } from 'node:fs';
import { CustomerChatClient } from '@app/livechat-sdk';

export interface ReferenceJob {
  igsid: string;
  mid: string;
  text: string;
}

export interface ReferenceChat {
  chatId: string;
  token: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is required`);
  }
  return value;
}

async function main(): Promise<void> {
  const chats = new Map(
    Object.entries(
      JSON.parse(readFileSync(required('REFERENCE_CHATS'), 'utf8')) as Record<
        string,
        ReferenceChat
      >,
    ),
  );
  const organizationId = required('LIVECHAT_ORGANIZATION_ID');
  const client = new CustomerChatClient({
    apiUrl: required('LIVECHAT_API_URL'),
    accountsUrl: required('LIVECHAT_API_URL'),
    apiVersion: process.env.LIVECHAT_API_VERSION ?? '3.6',
    clientId: required('LIVECHAT_CLIENT_ID'),
    clientSecret: required('LIVECHAT_CLIENT_SECRET'),
    timeoutMs: Number(process.env.UPSTREAM_TIMEOUT_MS ?? 5_000),
  });
  const queue = new Queue<ReferenceJob>(
    required('REFERENCE_QUEUE'),
    process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    { prefix: required('REDIS_KEY_PREFIX') },
  );
  await queue.isReady();
  void queue.process(Number(process.env.REFERENCE_CONCURRENCY ?? 16), async (job) => {
    const chat = chats.get(job.data.igsid);
    if (!chat) {
      throw new Error(`no chat for ${job.data.igsid}`);
    }
    await client.sendEvent(chat.token, organizationId, {
      chatId: chat.chatId,
      event: { type: 'message', text: job.data.text, customId: `ig:${job.data.mid}` },
    });
  });
  process.stdout.write('reference relay consuming\n');
  const stop = (): void => {
    void queue.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `reference relay failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
