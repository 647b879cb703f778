'use strict';
/**
 * Preloaded (`node -r bench/lib/parent-watch.js …`) into every Node process the benchmark and the
 * chaos run start, so none outlives them: the process exits when its parent (the orchestrator) is
 * gone, and in any case after BENCH_MAX_LIFETIME_MS. Plain JS: it must load before ts-node.
 */
const { parentAlive } = require('./parent-alive');

const parent = Number(process.env.BENCH_PARENT_PID || 0);
const maxLifetimeMs = Number(process.env.BENCH_MAX_LIFETIME_MS || 0);

if (parent > 0) {
  const watch = setInterval(() => {
    if (!parentAlive(parent)) {
      process.stderr.write(`[parent-watch] orchestrator ${parent} is gone: exiting\n`);
      process.exit(70);
    }
  }, 1000);
  watch.unref();
}

if (maxLifetimeMs > 0) {
  const limit = setTimeout(() => {
    process.stderr.write(`[parent-watch] lifetime of ${maxLifetimeMs} ms exceeded: exiting\n`);
    process.exit(70);
  }, maxLifetimeMs);
  limit.unref();
}
