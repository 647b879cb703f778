import { INestApplicationContext, LoggerService } from '@nestjs/common';

export interface ShutdownOptions {
  /** Longest wait for in-flight work before giving up with exit code 1. */
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
}

/**
 * SIGTERM/SIGINT: stop taking work, let in-flight requests and jobs finish (app.close runs the
 * HTTP server's close and every module's destroy hooks: Bull waits for active jobs, TypeORM
 * closes its pool), then exit 0. Nest's own shutdown hooks re-raise the signal, which exits 143.
 */
export function closeOnSignals(
  app: INestApplicationContext,
  logger: LoggerService,
  options: ShutdownOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 30_000;
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) {
      return;
    }
    closing = true;
    // Bull fires off a command when a worker starts (naming its blocking connection) and never
    // handles its failure: closing right after boot would turn it into a crash. While shutting
    // down, a command failing because its connection closed is expected; anything else is not.
    process.on('unhandledRejection', (reason: unknown) => {
      const message = reason instanceof Error ? reason.message : String(reason);
      if (/Connection is closed/.test(message)) {
        logger.debug?.({ msg: 'a command was cut off by the shutdown', reason: message });
        return;
      }
      logger.error({ msg: 'unhandled rejection while shutting down', reason: message });
      process.exit(1);
    });
    logger.log({ msg: 'shutting down', signal, timeoutMs });
    const timer = setTimeout(() => {
      logger.error({ msg: 'shutdown timed out; exiting with work in flight', timeoutMs });
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app
      .close()
      .then(() => {
        logger.log({ msg: 'shut down cleanly' });
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ msg: 'shutdown failed', error });
        process.exit(1);
      });
  };
  for (const signal of options.signals ?? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[])) {
    process.on(signal, handler);
  }
}
