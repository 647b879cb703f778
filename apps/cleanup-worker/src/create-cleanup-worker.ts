import { LoggerService } from '@nestjs/common';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger } from '@app/platform';
import { CleanupWorkerEnv } from './config/cleanup-worker.env';
import { CleanupWorkerModule } from './cleanup-worker.module';

/** An application context: no HTTP server; processors start consuming on init. */
export async function createCleanupWorker(
  env: Readonly<CleanupWorkerEnv>,
  options: { logger?: LoggerService | false } = {},
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(CleanupWorkerModule.forRoot(env), {
    logger: options.logger ?? new JsonLogger('cleanup-worker', env.LOG_LEVEL),
  });
  await app.init();
  return app;
}
