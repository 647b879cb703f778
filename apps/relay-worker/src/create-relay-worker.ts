import { LoggerService } from '@nestjs/common';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger } from '@app/platform';
import { RelayWorkerEnv } from './config/relay-worker.env';
import { RelayWorkerModule } from './relay-worker.module';

/** An application context: no HTTP server; processors start consuming on init. */
export async function createRelayWorker(
  env: Readonly<RelayWorkerEnv>,
  options: { logger?: LoggerService | false } = {},
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(RelayWorkerModule.forRoot(env), {
    logger: options.logger ?? new JsonLogger('relay-worker', env.LOG_LEVEL),
  });
  await app.init();
  return app;
}
