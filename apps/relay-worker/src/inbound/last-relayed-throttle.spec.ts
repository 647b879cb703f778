import { LastRelayedThrottle } from './last-relayed-throttle';

describe('LastRelayedThrottle', () => {
  it('lets each account write once a minute', () => {
    const throttle = new LastRelayedThrottle();
    const t = 1_000_000;
    expect(throttle.take('a', t)).toBe(true);
    expect(throttle.take('a', t + 1)).toBe(false);
    expect(throttle.take('b', t + 1)).toBe(true);
    expect(throttle.take('a', t + 59_999)).toBe(false);
    expect(throttle.take('a', t + 60_000)).toBe(true);
    expect(throttle.take('a', t + 60_001)).toBe(false);
  });
});
