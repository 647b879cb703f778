import { ConversationLanes, LaneTurn } from './conversation-lanes';

/** The outcome of a wait (a job that was told the lane is full stays 'full'). */
async function outcomeOf(
  entered: Promise<LaneTurn | 'defer'> | 'full',
): Promise<LaneTurn | 'defer' | 'full'> {
  return entered === 'full' ? entered : entered;
}

async function turnOf(entered: Promise<LaneTurn | 'defer'> | 'full'): Promise<LaneTurn> {
  if (entered === 'full') {
    throw new Error('full');
  }
  const turn = await entered;
  if (turn === 'defer') {
    throw new Error('deferred');
  }
  return turn;
}

describe('ConversationLanes', () => {
  it('gives the turn at once to the first job of a conversation, and to other conversations too', async () => {
    const lanes = new ConversationLanes(10, 10, 60_000);
    const a = await turnOf(lanes.enter('c1', 'a', 1));
    const b = await turnOf(lanes.enter('c2', 'b', 1));
    expect(lanes.waitingNow).toBe(0);
    a.release();
    b.release();
  });

  it('wakes the jobs waiting behind the holder one at a time, lowest score first', async () => {
    const lanes = new ConversationLanes(10, 10, 60_000);
    const holder = await turnOf(lanes.enter('c', 'h', 1));
    const woken: string[] = [];
    const waiters = (
      [
        ['w4', 4],
        ['w2', 2],
        ['w3', 3],
      ] as const
    ).map(([id, score]) =>
      turnOf(lanes.enter('c', id, score)).then((turn) => {
        woken.push(id);
        return turn;
      }),
    );
    expect(lanes.waitingNow).toBe(3);
    holder.release();
    const [t4, t2, t3] = waiters;
    (await t2).release();
    (await t3).release();
    (await t4).release();
    expect(woken).toEqual(['w2', 'w3', 'w4']);
    expect(lanes.waitingNow).toBe(0);
    // The lane is gone once its last job released it: the next job holds it at once.
    (await turnOf(lanes.enter('c', 'later', 9))).release();
  });

  it('tells every waiter to defer when the holder is blocked by a head elsewhere', async () => {
    const lanes = new ConversationLanes(10, 10, 60_000);
    const holder = await turnOf(lanes.enter('c', 'h', 5));
    const waiting = [lanes.enter('c', 'w6', 6), lanes.enter('c', 'w7', 7)];
    holder.release(true);
    const outcomes = await Promise.all(waiting.map(outcomeOf));
    expect(outcomes).toEqual(['defer', 'defer']);
    expect(lanes.waitingNow).toBe(0);
    (await turnOf(lanes.enter('c', 'again', 8))).release();
  });

  it('refuses to queue past the per-conversation and the overall caps', async () => {
    const lanes = new ConversationLanes(3, 2, 60_000);
    const c1 = await turnOf(lanes.enter('c1', 'h1', 1));
    const c2 = await turnOf(lanes.enter('c2', 'h2', 1));
    const queued = [lanes.enter('c1', 'a', 2), lanes.enter('c1', 'b', 3)];
    expect(lanes.enter('c1', 'c', 4)).toBe('full');
    queued.push(lanes.enter('c2', 'd', 2));
    expect(lanes.enter('c2', 'e', 3)).toBe('full');
    expect(lanes.waitingNow).toBe(3);
    expect([lanes.backlog('c1'), lanes.backlog('c2'), lanes.backlog('none')]).toEqual([3, 2, 0]);
    c1.release(true);
    c2.release(true);
    expect(await Promise.all(queued.map(outcomeOf))).toEqual(['defer', 'defer', 'defer']);
  });

  it('hands the lane to the head Redis named when it waits here, and queues the holder behind it', async () => {
    const lanes = new ConversationLanes(10, 10, 60_000);
    const late = await turnOf(lanes.enter('c', 'late', 3));
    const head = turnOf(lanes.enter('c', 'head', 1));
    expect(late.yieldTo('not-here')).toBe(false);
    const again = late.yieldTo('head');
    expect(again).not.toBe(false);
    const headTurn = await head;
    expect(lanes.waitingNow).toBe(1);
    headTurn.release();
    const lateTurn = await (again as Promise<LaneTurn | 'defer'>);
    expect(lateTurn).not.toBe('defer');
    (lateTurn as LaneTurn).release();
    expect(lanes.waitingNow).toBe(0);
  });

  it('defers a waiter not woken within the wait bound', async () => {
    const lanes = new ConversationLanes(10, 10, 5);
    const holder = await turnOf(lanes.enter('c', 'stuck', 1));
    await expect(lanes.enter('c', 'w', 2)).resolves.toBe('defer');
    expect(lanes.waitingNow).toBe(0);
    holder.release();
  });
});
