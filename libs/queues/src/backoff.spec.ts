import { classifiedBackoff, DeferJobError } from './backoff';

const half = { random: (): number => 0.5 };
const err = (kind: string, retryAfterMs?: number): Error =>
  Object.assign(new Error(kind), { kind, retryAfterMs });

describe('classifiedBackoff', () => {
  it('fails permanent errors at once (-1)', () => {
    expect(classifiedBackoff(1, err('permanent'), half)).toBe(-1);
  });

  it('grows retryable delays exponentially, with jitter, and caps them', () => {
    const d1 = classifiedBackoff(1, err('retryable'), half);
    const d3 = classifiedBackoff(3, err('retryable'), half);
    expect(d3).toBe(d1 * 4);
    expect(classifiedBackoff(30, err('retryable'), { random: () => 1 })).toBe(5 * 60_000);
  });

  it('treats unclassified errors as retryable', () => {
    expect(classifiedBackoff(2, new Error('boom'), half)).toBe(
      classifiedBackoff(2, err('retryable'), half),
    );
  });

  it('waits at least what a rate limit asks for', () => {
    expect(classifiedBackoff(1, err('rate-limited', 60_000), { random: () => 1 })).toBe(60_000);
    expect(classifiedBackoff(1, err('rate-limited', 60_000), { random: () => 0 })).toBe(30_000);
  });

  it('keeps auth failures waiting minutes, not failing', () => {
    expect(classifiedBackoff(1, err('auth'), half)).toBeGreaterThanOrEqual(60_000);
  });

  it('takes the options Bull passes as its third argument, null included', () => {
    // Bull calls strategies as (attemptsMade, err, job.opts.backoff.options ?? null).
    expect(() => classifiedBackoff(1, err('retryable'), null)).not.toThrow();
    const delay = classifiedBackoff(1, err('retryable'), null);
    expect(delay).toBeGreaterThanOrEqual(500);
    expect(delay).toBeLessThanOrEqual(1_000);
  });

  it('re-runs a deferred job after exactly the wait it asked for', () => {
    expect(classifiedBackoff(5, new DeferJobError(250, 'not its turn'), half)).toBe(250);
  });
});
