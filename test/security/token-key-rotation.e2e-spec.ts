import { randomBytes } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import {
  ENCRYPTED_COLUMNS,
  InstagramAccountRepository,
  InstallationRepository,
  installationTokenContext,
  keyIdOf,
  TokenCipher,
} from '@app/persistence';
import { Metrics } from '@app/platform';
import { JobProducer, QueueName } from '@app/queues';
import { DataSource } from 'typeorm';
import { REENCRYPTION_BATCH } from '../../apps/cleanup-worker/src/key-rotation/token-reencryption.service';
import { runJob } from '../cleanup/cleanup-helpers';
import { waitFor } from '../support/wait-for';
import { World } from '../support/world';

/**
 * Attack: a token encryption key leaks (an old backup, a former operator). Control: the key can
 * be retired — the apps encrypt with a new TOKEN_ENCRYPTION_KEY, still read the old one from
 * TOKEN_ENCRYPTION_PREVIOUS_KEYS, and the cleanup worker re-encrypts every row still under it,
 * so the old key can be dropped without losing a token.
 */
describe('security: a key rotation re-encrypts every encrypted column', () => {
  const OLD_KEY = randomBytes(32).toString('base64');
  const NEW_KEY = randomBytes(32).toString('base64');
  const oldKeyId = keyIdOf(Buffer.from(OLD_KEY, 'base64'));
  const newKeyId = keyIdOf(Buffer.from(NEW_KEY, 'base64'));

  let world: World;
  let dataSource: DataSource;
  let cleanup: INestApplicationContext;
  /** `column:rowId` → the token in clear, as seeded. */
  const seeded = new Map<string, string>();

  /** Every encrypted value in the database: column, row id, ciphertext. */
  async function ciphertexts(): Promise<Array<{ column: string; id: string; value: string }>> {
    const all: Array<{ column: string; id: string; value: string }> = [];
    for (const c of ENCRYPTED_COLUMNS) {
      const rows = await dataSource.query<Array<{ id: string; value: string }>>(
        `SELECT id, ${c.column} AS value FROM ${c.table} WHERE ${c.column} IS NOT NULL`,
      );
      all.push(...rows.map((r) => ({ column: c.name, id: r.id, value: r.value })));
    }
    return all;
  }

  beforeAll(async () => {
    // Everything so far was written under the old key.
    world = await World.start({ relayWorkers: 0, env: { TOKEN_ENCRYPTION_KEY: OLD_KEY } });
    dataSource = world.gateway.app.get(getDataSourceToken());
    const installations = world.gateway.app.get(InstallationRepository);
    const accounts = world.gateway.app.get(InstagramAccountRepository);
    // More rows than one batch, so the job has to page.
    for (let i = 0; i < REENCRYPTION_BATCH + 7; i += 1) {
      const accessToken = `dal:access-${i}-${randomBytes(6).toString('hex')}`;
      const refreshToken =
        i % 10 === 0 ? null : `dal:refresh-${i}-${randomBytes(6).toString('hex')}`;
      const installation = await installations.upsertGrant({
        organizationId: `rotation-org-${i}`,
        accountId: `rotation-account-${i}`,
        accessToken,
        refreshToken,
        expiresAt: new Date(Date.now() + 3_600_000),
        scopes: 'chats--all:rw',
      });
      seeded.set(`installations.access_token_enc:${installation.id}`, accessToken);
      if (refreshToken) {
        seeded.set(`installations.refresh_token_enc:${installation.id}`, refreshToken);
      }
      const pageToken = `EAAB-page-${i}-${randomBytes(6).toString('hex')}`;
      const account = await accounts.connect({
        installationId: installation.id,
        pageId: `9100${i}`,
        instagramAccountId: `1784100${i}`,
        pageToken,
        username: null,
        name: null,
        pageName: null,
        avatarUrl: null,
        connectedByUserId: null,
      });
      seeded.set(`instagram_accounts.page_token_enc:${account.id}`, pageToken);
    }
  });

  afterAll(async () => {
    await world?.close();
  });

  it('seeds every encrypted column under the old key', async () => {
    const all = await ciphertexts();
    expect(all).toHaveLength(seeded.size);
    expect(new Set(all.map((c) => c.column))).toEqual(
      new Set(ENCRYPTED_COLUMNS.map((c) => c.name)),
    );
    expect(all.every((c) => c.value.startsWith(`v1:${oldKeyId}:`))).toBe(true);
  });

  it('after the deploy (new key, old one as previous), the cleanup worker re-encrypts every row', async () => {
    cleanup = await world.startCleanupWorker({
      TOKEN_ENCRYPTION_KEY: NEW_KEY,
      TOKEN_ENCRYPTION_PREVIOUS_KEYS: OLD_KEY,
    });
    // The run queued at boot; nothing else triggers it.
    await waitFor('every row under the new key', async () => {
      const all = await ciphertexts();
      return all.every((c) => c.value.startsWith(`v1:${newKeyId}:`));
    });

    const newKeyAlone = new TokenCipher(NEW_KEY);
    const all = await ciphertexts();
    expect(all).toHaveLength(seeded.size);
    for (const c of all) {
      const column = ENCRYPTED_COLUMNS.find((e) => e.name === c.column)!;
      expect(newKeyAlone.decrypt(c.value, column.context(c.id))).toBe(
        seeded.get(`${c.column}:${c.id}`),
      );
    }
    expect(all.some((c) => c.value.includes(`:${oldKeyId}:`))).toBe(false);

    // The gauge is set at the end of the run: once it says 0 everywhere, the counter is final.
    await waitFor('the run to report 0 rows left', async () => {
      const json = await cleanup.get(Metrics).registry.getMetricsAsJSON();
      const left = json.find((m) => m.name === 'igl_tokens_under_previous_keys');
      return (
        (left?.values.length ?? 0) === ENCRYPTED_COLUMNS.length &&
        (left?.values ?? []).every((v) => v.value === 0)
      );
    });
    const metrics = await cleanup.get(Metrics).registry.getMetricsAsJSON();
    const reencrypted = metrics.find((m) => m.name === 'igl_tokens_reencrypted_total');
    const total = (reencrypted?.values ?? []).reduce((sum, v) => sum + v.value, 0);
    expect(total).toBe(seeded.size);
  });

  it('is idempotent: another run rewrites nothing', async () => {
    const before = await ciphertexts();
    await runJob(cleanup, QueueName.TOKEN_REENCRYPTION, { trigger: 'daily' });
    expect(await ciphertexts()).toEqual(before);
  });

  it('the apps read the rotated rows through their repositories with the new key alone', async () => {
    const [installationRow] = await dataSource.query<Array<{ id: string }>>(
      "SELECT id FROM installations WHERE organization_id = 'rotation-org-1'",
    );
    const worker = await world.startCleanupWorker({ TOKEN_ENCRYPTION_KEY: NEW_KEY });
    try {
      const tokens = await worker.get(InstallationRepository).getTokens(installationRow.id);
      expect(tokens.accessToken).toBe(
        seeded.get(`installations.access_token_enc:${installationRow.id}`),
      );
    } finally {
      await world.stopWorker(worker);
    }
  });

  it('registers a daily run with a fixed id', async () => {
    const repeatables = await cleanup
      .get(JobProducer)
      .queue(QueueName.TOKEN_REENCRYPTION)
      .getRepeatableJobs();
    expect(repeatables.map((r) => [r.id, Number(r.every)])).toEqual([
      ['reencrypt.daily', 86_400_000],
    ]);
  });

  it('a row under a key in neither variable is left alone and reported as remaining', async () => {
    const [row] = await dataSource.query<Array<{ id: string }>>(
      "SELECT id FROM installations WHERE organization_id = 'rotation-org-2'",
    );
    const stranger = new TokenCipher(randomBytes(32).toString('base64'));
    const foreign = stranger.encrypt('dal:unknown', installationTokenContext(row.id, 'access'));
    await dataSource.query('UPDATE installations SET access_token_enc = $1 WHERE id = $2', [
      foreign,
      row.id,
    ]);
    await runJob(cleanup, QueueName.TOKEN_REENCRYPTION, { trigger: 'daily' });
    const [after] = await dataSource.query<Array<{ value: string }>>(
      'SELECT access_token_enc AS value FROM installations WHERE id = $1',
      [row.id],
    );
    expect(after.value).toBe(foreign);
    const json = await cleanup.get(Metrics).registry.getMetricsAsJSON();
    const left = json.find((m) => m.name === 'igl_tokens_under_previous_keys');
    expect(
      Object.fromEntries((left?.values ?? []).map((v) => [String(v.labels.column), v.value])),
    ).toEqual({
      'installations.access_token_enc': 1,
      'installations.refresh_token_enc': 0,
      'instagram_accounts.page_token_enc': 0,
    });
  });
});
