import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { OwnRedis } from '../../bench/lib/own-redis';
import { ProcessSupervisor } from '../../bench/lib/processes';
import { composeRedisFlags } from '../support/compose-redis';
import { waitFor } from '../support/wait-for';
import { ConnectedBusiness, World } from '../support/world';

const CUSTOMERS = 4;
const MESSAGES_PER_CUSTOMER = 10;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Attack: take Redis's files (a stolen disk, a backup, a container volume) and read the messages.
 * And the durability the files buy: Redis runs exactly as docker-compose.yml runs it (append-only
 * file; a redis-server of the test's own on a spare port, in a temporary directory), is SIGKILLed
 * in the middle of a burst of DMs and started again from its files. The relay worker starts only
 * after the burst, so every accepted DM is still a job in Redis when the files are copied (after
 * the crash, and after an AOF rewrite that writes the RDB base): the copies hold the jobs but none
 * of the messages' text, and once the worker runs, every DM the gateway accepted reaches LiveChat.
 */
describe('security: Redis as compose runs it survives a SIGKILL mid-burst, and its files hold no text', () => {
  const supervisor = new ProcessSupervisor(10 * 60_000);
  const marker = randomBytes(6).toString('hex');
  const copies: string[] = [];
  let redis: OwnRedis;
  let world: World;
  let biz: ConnectedBusiness;

  beforeAll(async () => {
    redis = await OwnRedis.start(supervisor, { persistence: composeRedisFlags() });
    world = await World.start({ env: { REDIS_URL: redis.url }, relayWorkers: 0 });
    biz = await world.connectBusiness();
  }, 60_000);

  afterAll(async () => {
    await world?.close();
    await redis?.stop();
    await supervisor.stopAll(2_000);
    supervisor.dispose();
    for (const dir of copies) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A copy of Redis's directory as it is now (the AOF directory, any RDB file). */
  function copyRedisFiles(): string {
    const copy = mkdtempSync(join(tmpdir(), 'igl-redis-copy-'));
    copies.push(copy);
    cpSync(redis.dir, copy, { recursive: true });
    return copy;
  }

  it('loses no accepted DM across the crash, and no copy of its files holds a message', async () => {
    expect(composeRedisFlags()).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    const ig = biz.meta.igAccount.id;
    const customers = Array.from({ length: CUSTOMERS }, (_, c) => {
      const igsid = `aof-${c}-${randomBytes(3).toString('hex')}`;
      world.meta.state.addCustomer({ igAccountId: ig, igsid });
      return igsid;
    });
    const textOf = (c: number, i: number): string => `aof secret ${marker} ${c}.${i}`;
    const accepted: Array<{ text: string; mid: string }> = [];
    let sent = 0;
    let crash: Promise<{ downMs: number }> | undefined;

    await Promise.all(
      customers.map(async (igsid, c) => {
        for (let i = 0; i < MESSAGES_PER_CUSTOMER; i += 1) {
          sent += 1;
          if (sent === Math.round((CUSTOMERS * MESSAGES_PER_CUSTOMER) / 3)) {
            crash = redis.crashAndRestart(); // mid-burst; the sending goes on meanwhile
          }
          const text = textOf(c, i);
          const posted = await world.meta.customerSends({ igAccountId: ig, igsid, text });
          const mid = posted.mid;
          let delivery = posted.delivery;
          // Not accepted (Redis down): Meta delivers the same bytes again, as it does.
          await waitFor(
            `DM ${c}.${i} accepted`,
            async () => {
              if (delivery.status === 200) {
                return true;
              }
              delivery = await world.meta.redeliver(delivery);
              return delivery.status === 200;
            },
            60_000,
            200,
          );
          if (!mid) {
            throw new Error('the emulator sent a DM without a message id');
          }
          accepted.push({ text, mid });
        }
      }),
    );
    await crash;
    expect(redis.restarts).toBe(1);
    expect(accepted).toHaveLength(CUSTOMERS * MESSAGES_PER_CUSTOMER);
    const afterCrash = copyRedisFiles();

    // The AOF rewrite writes an RDB base of what Redis holds now: every job, still queued.
    const client = new Redis(redis.url);
    try {
      await client.bgrewriteaof();
      await waitFor('the AOF rewrite', async () => {
        const info = await client.info('persistence');
        return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info);
      });
    } finally {
      client.disconnect();
    }
    const afterRewrite = copyRedisFiles();

    const read = (copy: string): { files: string[]; bytes: Buffer } => {
      const files = filesUnder(copy);
      return { files, bytes: Buffer.concat(files.map((file) => readFileSync(file))) };
    };
    const crashCopy = read(afterCrash);
    const rewriteCopy = read(afterRewrite);
    // The files hold the jobs: the append-only file names every accepted message's id …
    expect(crashCopy.files.some((file) => file.endsWith('.aof'))).toBe(true);
    expect(accepted.filter(({ mid }) => !crashCopy.bytes.includes(mid))).toEqual([]);
    expect(rewriteCopy.files.some((file) => file.endsWith('.rdb'))).toBe(true);
    // … and none of what was written.
    for (const { bytes } of [crashCopy, rewriteCopy]) {
      expect(accepted.filter(({ text }) => bytes.includes(text)).map((m) => m.text)).toEqual([]);
      expect(bytes.includes(`aof secret ${marker}`)).toBe(false);
    }

    // Nothing accepted was lost: each DM reaches LiveChat once.
    await world.startRelayWorker();
    const texts = (): string[] =>
      world.livechat.state
        .chats(biz.org.organizationId)
        .flatMap((chat) => world.livechat.state.events(chat.id))
        .map((event) => event.text ?? '');
    await waitFor(
      'every accepted DM in LiveChat',
      () => accepted.every(({ text }) => texts().includes(text)),
      120_000,
      200,
    );
    for (const { text } of accepted) {
      expect(texts().filter((t) => t === text)).toHaveLength(1);
    }
  }, 240_000);
});
