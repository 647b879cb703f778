import { SingleFlight } from './single-flight.util';

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('shares one in-flight promise per key and forgets it once settled', async () => {
    const flight = new SingleFlight<string>();
    const gate = deferred<string>();
    const fn = jest.fn(() => gate.promise);
    const a = flight.run('inst-1', fn);
    const b = flight.run('inst-1', fn);
    const other = flight.run('inst-2', () => Promise.resolve('other'));
    expect(a).toBe(b);
    expect(flight.isRunning('inst-1')).toBe(true);
    gate.resolve('token');
    await expect(Promise.all([a, b, other])).resolves.toEqual(['token', 'token', 'other']);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(flight.size).toBe(0);
    await expect(flight.run('inst-1', () => Promise.resolve('again'))).resolves.toBe('again');
  });

  it('shares rejections, including synchronous throws, and then allows a retry', async () => {
    const flight = new SingleFlight<number>();
    const gate = deferred<number>();
    const a = flight.run('k', () => gate.promise);
    const b = flight.run('k', () => Promise.resolve(2));
    gate.reject(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).rejects.toThrow('boom');
    await expect(
      flight.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(flight.run('k', () => Promise.resolve(3))).resolves.toBe(3);
  });
});
