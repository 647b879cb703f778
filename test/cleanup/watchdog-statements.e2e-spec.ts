import { AccountHealthRepository } from '@app/persistence';
import { PersistenceHarness } from '../support/persistence-harness';

/** The watchdog's claim of due accounts, against real Postgres (several workers at once). */
describe('watchdog claim statements (real Postgres)', () => {
  let harness: PersistenceHarness;
  let health: AccountHealthRepository;
  const ids: string[] = [];

  beforeAll(async () => {
    harness = await PersistenceHarness.start();
    health = harness.moduleRef.get(AccountHealthRepository);
    for (let i = 0; i < 40; i += 1) {
      ids.push((await harness.business(`claim-${i}`)).account.id);
    }
  });

  afterAll(async () => {
    await harness?.close();
  });

  const dueAt = async (): Promise<Map<string, Date | null>> => {
    const rows = await harness.dataSource.query<Array<{ id: string; health_due_at: Date | null }>>(
      'SELECT id, health_due_at FROM instagram_accounts',
    );
    return new Map(rows.map((r) => [r.id, r.health_due_at]));
  };

  it('gives never-scheduled accounts their first slot without checking them', async () => {
    const now = new Date();
    const later = new Date(now.getTime() + 60_000);
    const { due, scheduled } = await health.claimDue(now, 100, () => later);
    expect(due).toEqual([]);
    expect(scheduled).toBe(ids.length);
    expect([...(await dueAt()).values()].every((d) => d?.getTime() === later.getTime())).toBe(true);
  });

  it('lets concurrent claims share the due accounts, each claimed exactly once', async () => {
    await harness.dataSource.query(
      `UPDATE instagram_accounts SET health_due_at = now() - interval '1 second'`,
    );
    const next = new Date(Date.now() + 300_000);
    const claims = await Promise.all(
      Array.from({ length: 4 }, () => health.claimDue(new Date(), 15, () => next)),
    );
    const more = await health.claimDue(new Date(), 100, () => next);
    const claimed = [...claims.flatMap((c) => c.due), ...more.due].map((d) => d.id);
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(new Set(claimed).size).toBe(ids.length);
    // Everyone moved to the next slot: nothing is due any more.
    expect((await health.claimDue(new Date(), 100, () => next)).due).toEqual([]);
  });

  it('skips disconnected accounts and uninstalled installations', async () => {
    await harness.dataSource.query(
      `UPDATE instagram_accounts SET health_due_at = now() - interval '1 second'`,
    );
    await harness.dataSource.query(
      `UPDATE instagram_accounts SET status = 'disconnected' WHERE id = $1`,
      [ids[0]],
    );
    await harness.dataSource.query(
      `UPDATE installations SET status = 'uninstalled'
        WHERE id = (SELECT installation_id FROM instagram_accounts WHERE id = $1)`,
      [ids[1]],
    );
    const { due } = await health.claimDue(new Date(), 100, () => new Date(Date.now() + 60_000));
    const claimed = due.map((d) => d.id);
    expect(claimed).toHaveLength(ids.length - 2);
    expect(claimed).not.toContain(ids[0]);
    expect(claimed).not.toContain(ids[1]);
  });

  it('brings a check forward, never back', async () => {
    const soon = new Date(Date.now() + 1_000);
    await health.checkAgainAt(ids[2], soon);
    expect((await dueAt()).get(ids[2])?.getTime()).toBe(soon.getTime());
    await health.checkAgainAt(ids[2], new Date(Date.now() + 3_600_000));
    expect((await dueAt()).get(ids[2])?.getTime()).toBe(soon.getTime());
  });
});
