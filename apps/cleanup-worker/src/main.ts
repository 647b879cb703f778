import 'reflect-metadata';
import { closeOnSignals, JsonLogger, loadEnvOrExit } from '@app/platform';
import { CleanupWorkerEnv } from './config/cleanup-worker.env';
import { createCleanupWorker } from './create-cleanup-worker';

async function main(): Promise<void> {
  const env = loadEnvOrExit(CleanupWorkerEnv, 'cleanup-worker');
  const logger = new JsonLogger('cleanup-worker', env.LOG_LEVEL);
  const app = await createCleanupWorker(env, { logger });
  closeOnSignals(app, logger);
  logger.log({ msg: 'cleanup-worker started' });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `cleanup-worker: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
