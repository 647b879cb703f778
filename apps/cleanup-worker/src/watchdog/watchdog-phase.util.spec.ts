import { nextSlot, phaseOf, tickMsFor } from './watchdog-phase.util';

describe('watchdog phases', () => {
  const period = 300_000;
  const ids = Array.from(
    { length: 2_000 },
    (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  );

  it('gives each account a stable phase within the period', () => {
    for (const id of ids.slice(0, 20)) {
      const phase = phaseOf(id, period);
      expect(phase).toBeGreaterThanOrEqual(0);
      expect(phase).toBeLessThan(period);
      expect(phaseOf(id, period)).toBe(phase);
    }
  });

  it('spreads thousands of accounts over the period (no tenth holds more than twice its share)', () => {
    const buckets = new Array<number>(10).fill(0);
    for (const id of ids) {
      buckets[Math.floor(phaseOf(id, period) / (period / 10))] += 1;
    }
    expect(Math.max(...buckets)).toBeLessThan((ids.length / 10) * 2);
    expect(Math.min(...buckets)).toBeGreaterThan(ids.length / 10 / 2);
  });

  it('schedules the next slot after now, at most one period ahead, on the account’s phase', () => {
    const now = 1_800_000_123_456;
    for (const id of ids.slice(0, 50)) {
      const next = nextSlot(id, now, period);
      expect(next).toBeGreaterThan(now);
      expect(next - now).toBeLessThanOrEqual(period);
      expect(next % period).toBe(phaseOf(id, period));
      expect(nextSlot(id, next, period)).toBe(next + period);
    }
  });

  it('ticks ten times a period, between 1 s and 30 s', () => {
    expect(tickMsFor(300_000)).toBe(30_000);
    expect(tickMsFor(60_000)).toBe(6_000);
    expect(tickMsFor(2_000)).toBe(1_000);
    expect(tickMsFor(86_400_000)).toBe(30_000);
  });
});
