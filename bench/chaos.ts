/**
 * `npm run chaos`: about 5,000 messages across 200 conversations, both directions, while a relay
 * worker is SIGKILLed twice (and restarted), the queue's Redis (a redis-server of the run's own,
 * on a spare loopback port) crashes and restarts once, and the emulated LiveChat and Meta answer
 * 5% of requests 5xx, 2% 429, 1% late, and once with an expired token. Prints lost / duplicated /
 * reordered counts and the time to drain after the last fault; exits 1 on any loss, duplicate or
 * reorder. Bounded (≈1–2 minutes, hard cap 8); every process it starts exits by itself.
 *
 * Options: --small (the jest test's size), --seed=N (replay a run's plan), --no-write,
 *          --upstream-latency-ms N (every LiveChat and Graph call the emulators answer takes N ms
 *          more, the production shape; the random faults come on top).
 */
// Decorator metadata must exist before any lib with decorated classes loads.
import 'reflect-metadata';
import { join } from 'node:path';
import { CHAOS_FULL, CHAOS_SMALL, ChaosOptions, formatChaosReport, runChaos } from './chaos-run';
import { prepareApps } from './lib/apps';
import { sourceVersion } from './lib/measure';
import { REPO_ROOT } from './lib/processes';
import { replaceBlock } from './lib/report-file';

const args = process.argv.slice(2);
const small = args.includes('--small');
const write = !args.includes('--no-write') && !small;
const seedArg = args.find((a) => a.startsWith('--seed='));
const latencyAt = args.indexOf('--upstream-latency-ms');
const latencyArg =
  latencyAt >= 0
    ? args[latencyAt + 1]
    : args.find((a) => a.startsWith('--upstream-latency-ms='))?.split('=')[1];
const upstreamLatencyMs = latencyArg === undefined ? 0 : Number(latencyArg);

async function main(): Promise<number> {
  if (!Number.isFinite(upstreamLatencyMs) || upstreamLatencyMs < 0) {
    throw new Error(`--upstream-latency-ms needs a number of milliseconds, got ${latencyArg}`);
  }
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const plan = prepareApps(['gateway', 'relay-worker'], log);
  log(`apps run as: ${plan.note}`);
  // SIGINT/SIGTERM: the run stops its traffic and waits, then cleans up (processes, database,
  // its redis-server and directory) as on completion; at worst the process exits after 30 s.
  const controller = new AbortController();
  const onSignal = (): void => {
    if (!controller.signal.aborted) {
      log('interrupted: stopping the run and everything it started…');
      controller.abort();
      setTimeout(() => process.exit(130), 30_000).unref();
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const options: ChaosOptions = {
    ...(small ? CHAOS_SMALL : CHAOS_FULL),
    launch: plan.launch,
    log,
    ...(seedArg ? { seed: Number(seedArg.split('=')[1]) } : {}),
    ...(upstreamLatencyMs > 0 ? { upstreamLatencyMs } : {}),
    abort: controller.signal,
  };
  const report = await runChaos(options);
  if (controller.signal.aborted) {
    log('interrupted: nothing checked');
    return 130;
  }
  const summary = formatChaosReport(report, options);
  if (report.diagnostics) {
    log(`\n${report.diagnostics}`);
  }
  log('');
  log(summary);
  if (write) {
    const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const timeline = report.timeline
      .map((e) => `${(e.atMs / 1000).toFixed(1).padStart(6)} s  ${e.what}`)
      .join('\n');
    replaceBlock(
      join(REPO_ROOT, 'docs', 'benchmarks.md'),
      'chaos',
      `Run of ${when} UTC, \`npm run chaos\` (${plan.note}, commit ${sourceVersion(REPO_ROOT)}):\n\n\`\`\`text\n${summary}\n\`\`\`\n\nTimeline:\n\n\`\`\`text\n${timeline}\n\`\`\``,
    );
    log('written to docs/benchmarks.md');
  }
  const integrity = report.lost.length + report.duplicated.length + report.reordered.length === 0;
  return integrity && report.passed ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `chaos failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(2);
    },
  );
}
