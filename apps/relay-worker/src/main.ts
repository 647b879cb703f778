import 'reflect-metadata';
import { closeOnSignals, JsonLogger, loadEnvOrExit } from '@app/platform';
import { RelayWorkerEnv } from './config/relay-worker.env';
import { createRelayWorker } from './create-relay-worker';

async function main(): Promise<void> {
  const env = loadEnvOrExit(RelayWorkerEnv, 'relay-worker');
  const logger = new JsonLogger('relay-worker', env.LOG_LEVEL);
  const app = await createRelayWorker(env, { logger });
  closeOnSignals(app, logger);
  logger.log({ msg: 'relay-worker started' });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `relay-worker: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
