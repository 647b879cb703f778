import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger, levelsFrom } from '@app/platform';
import { LoggerService } from '@nestjs/common';
import { GatewayEnv } from './config/gateway.env';
import { DEFAULT_BODY_LIMIT_BYTES, installBodyHandling } from './edge/body-limits';
import { installRateLimits } from './edge/rate-limit';
import { installSecurityHeaders } from './edge/security-headers';
import { parseTrustProxy } from './edge/trust-proxy';
import { GatewayModule } from './gateway.module';
import { mountBullBoard } from './observability/bull-board';
import { installHttpHooks } from './observability/http-hooks';

export interface CreateGatewayOptions {
  logger?: LoggerService | false;
}

/** Headers must arrive within this long (or HTTP_REQUEST_TIMEOUT_MS if shorter). */
const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node checks requests against those timeouts (its default, 30 s, lets them overrun). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * Builds the gateway (Fastify: about 3× Express's throughput for verify-and-enqueue work here).
 * Used by main.ts and by tests, so both run the same app.
 */
export async function createGateway(
  env: Readonly<GatewayEnv>,
  options: CreateGatewayOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Per route in edge/body-limits.ts; this is the limit of every route not listed there.
    bodyLimit: DEFAULT_BODY_LIMIT_BYTES,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    // Slow clients cannot hold sockets: the whole request within HTTP_REQUEST_TIMEOUT_MS (408),
    // idle keep-alive connections closed after HTTP_KEEP_ALIVE_TIMEOUT_MS.
    requestTimeout: env.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, env.HTTP_REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(env),
    adapter,
    {
      bufferLogs: false,
      logger: options.logger ?? new JsonLogger('gateway', env.LOG_LEVEL),
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  installBodyHandling(app, fastify, env);
  installHttpHooks(fastify, {
    accessLog: options.logger !== false && levelsFrom(env.LOG_LEVEL).includes('log'),
  });
  const limits = await installRateLimits(fastify, env);
  installSecurityHeaders(fastify);
  await mountBullBoard(app, fastify, env, limits);
  return app;
}
