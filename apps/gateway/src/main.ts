import 'reflect-metadata';
import { closeOnSignals, JsonLogger, loadEnvOrExit } from '@app/platform';
import { GatewayEnv } from './config/gateway.env';
import { createGateway } from './create-gateway';

async function main(): Promise<void> {
  if (process.argv[2] === 'migrate') {
    // The compose stack's one-shot step: the image carries no dev tooling, so migrations run here.
    const { DatabaseOnlyEnv } = await import('./config/database-only.env');
    const { runMigrations } = await import('@app/persistence');
    const env = loadEnvOrExit(DatabaseOnlyEnv, 'migrate');
    const applied = await runMigrations(env.DATABASE_URL);
    process.stdout.write(
      `migrate: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}\n`,
    );
    return;
  }
  const env = loadEnvOrExit(GatewayEnv, 'gateway');
  const logger = new JsonLogger('gateway', env.LOG_LEVEL);
  const app = await createGateway(env, { logger });
  closeOnSignals(app, logger);
  await app.listen(env.PORT, env.HOST);
  logger.log({ msg: 'gateway listening', host: env.HOST, port: env.PORT });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `gateway: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
