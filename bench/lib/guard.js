'use strict';
/**
 * Runs a non-Node program (redis-server) so that it cannot outlive the orchestrator:
 *   node bench/lib/guard.js <max-lifetime-ms> <command> [args…]
 * The guard exits with its child. SIGTERM/SIGINT are passed on; SIGUSR2 SIGKILLs the child (a
 * crash, for the chaos run). When the orchestrator (our parent) is gone, or the lifetime is over,
 * the child is killed.
 */
const { spawn } = require('node:child_process');
const { parentAlive } = require('./parent-alive');

const [maxLifetimeArg, command, ...args] = process.argv.slice(2);
const parent = process.ppid;
const child = spawn(command, args, { stdio: 'inherit' });

function killChild(signal) {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGKILL' ? 137 : 1)));
child.on('error', (error) => {
  process.stderr.write(`[guard] cannot start ${command}: ${error.message}\n`);
  process.exit(127);
});
process.on('SIGTERM', () => killChild('SIGTERM'));
process.on('SIGINT', () => killChild('SIGTERM'));
process.on('SIGUSR2', () => killChild('SIGKILL'));

setInterval(() => {
  if (!parentAlive(parent)) {
    killChild('SIGKILL');
  }
}, 1000).unref();

const maxLifetimeMs = Number(maxLifetimeArg);
if (maxLifetimeMs > 0) {
  setTimeout(() => killChild('SIGKILL'), maxLifetimeMs).unref();
}
