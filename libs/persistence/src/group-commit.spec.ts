import { GroupCommit } from './group-commit';

/** A write that stays in flight until released, recording every batch it was given. */
function controlledWrite(): {
  batches: number[][];
  release: () => void;
  failNext: (error: Error) => void;
  write: (batch: readonly number[]) => Promise<readonly string[]>;
} {
  const batches: number[][] = [];
  const waiting: Array<() => void> = [];
  let failure: Error | undefined;
  return {
    batches,
    release: () => waiting.shift()?.(),
    failNext: (error) => (failure = error),
    write: async (batch) => {
      batches.push([...batch]);
      await new Promise<void>((resolve) => waiting.push(resolve));
      const error = failure;
      failure = undefined;
      if (error) {
        throw error;
      }
      return batch.map((item) => `done:${item}`);
    },
  };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes an item alone at once, and groups those submitted while a batch is in flight', async () => {
    const io = controlledWrite();
    const commits = new GroupCommit<number, string>(io.write);
    const first = commits.submit(1);
    await settle();
    expect(io.batches).toEqual([[1]]);

    const later = [commits.submit(2), commits.submit(3), commits.submit(4)];
    await settle();
    expect(io.batches).toEqual([[1]]);

    io.release();
    expect(await first).toBe('done:1');
    await settle();
    expect(io.batches).toEqual([[1], [2, 3, 4]]);
    io.release();
    expect(await Promise.all(later)).toEqual(['done:2', 'done:3', 'done:4']);
  });

  it('fails every item of a failed batch, and writes the next batch as usual', async () => {
    const io = controlledWrite();
    const commits = new GroupCommit<number, string>(io.write);
    const first = commits.submit(1);
    await settle();
    const second = [commits.submit(2), commits.submit(3)];
    io.release();
    await first;
    await settle();
    io.failNext(new Error('connection lost'));
    io.release();
    const outcomes = await Promise.allSettled(second);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);

    const third = commits.submit(5);
    await settle();
    io.release();
    expect(await third).toBe('done:5');
    expect(io.batches).toEqual([[1], [2, 3], [5]]);
  });
});
