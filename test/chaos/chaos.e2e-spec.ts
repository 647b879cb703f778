import {
  CHAOS_SMALL,
  ChaosOptions,
  ChaosReport,
  formatChaosReport,
  runChaos,
} from '../../bench/chaos-run';

/**
 * The small chaos run of every CI build (`npm run chaos` is the big one): ~300 messages in both
 * directions across 20 conversations, while the relay worker process is SIGKILLed mid-traffic and
 * restarted, the Redis holding the queues (a redis-server of the test's own, on a spare loopback
 * port) crashes and restarts, and the LiveChat and Meta emulators answer 5% of requests 5xx, 2% 429,
 * 1% late, and once with an expired token. The apps run as processes of their own (ts-node, from
 * the sources). Every message the gateway accepted must arrive once, in its conversation's order.
 */
describe('chaos: worker crash, Redis restart and upstream faults lose, duplicate and reorder nothing', () => {
  const options: ChaosOptions = { ...CHAOS_SMALL, launch: 'ts-node' };
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos({
      ...options,
      log: process.env.CHAOS_LOG ? (line) => process.stdout.write(`${line}\n`) : undefined,
    });
    if (!report.passed) {
      process.stdout.write(`\n${formatChaosReport(report, options)}\n${report.diagnostics}\n`);
    }
  }, 150_000);

  it('ran the traffic with every planned fault', () => {
    expect(report.sent.inbound + report.sent.outbound + report.notAccepted).toBe(
      options.conversations * options.messagesPerConversation,
    );
    expect(report.notAccepted).toBe(0);
    expect(report.sent.inbound).toBeGreaterThan(0);
    expect(report.sent.outbound).toBeGreaterThan(0);
    expect(report.faults).toMatchObject({
      kills: options.kills,
      redisRestarts: options.redisRestarts,
      expiredToken: options.expiredTokens,
    });
    expect(report.faults.serverError).toBeGreaterThan(0);
    expect(report.faults.rateLimited).toBeGreaterThan(0);
  });

  it('lost no message', () => {
    expect(report.lost).toEqual([]);
    expect(report.arrived.inbound).toBeGreaterThanOrEqual(report.sent.inbound);
    expect(report.arrived.outbound).toBeGreaterThanOrEqual(report.sent.outbound);
  });

  it('duplicated no message', () => {
    expect(report.duplicated).toEqual([]);
  });

  it('kept every conversation in order, in both directions', () => {
    expect(report.reordered).toEqual([]);
  });

  it('left nothing queued', () => {
    expect(report.queueLeft).toBe(0);
  });
});
