import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { redisKeys } from '@app/queues';
import { GatewayEnv } from '../config/gateway.env';

/**
 * The rate-limited parts of the gateway, one bucket per client IP each: what browsers and
 * scripts call. Webhooks are not here (Meta and LiveChat deliver in bursts, and their path
 * must stay one Redis round trip), nor /app, /privacy, /health or /metrics.
 */
const LIMITED_GROUPS = ['install', 'api', 'connect', 'meta', 'admin'] as const;
export type RateLimitGroup = (typeof LIMITED_GROUPS)[number];

/** `/api/x` → `api`; `/install?code=` → `install`; anything else → undefined (not limited). */
export function rateLimitGroupOf(url: string): RateLimitGroup | undefined {
  for (const group of LIMITED_GROUPS) {
    if (url.startsWith(group, 1) && url.charCodeAt(0) === 47 /* / */) {
      const next = url.charCodeAt(group.length + 1);
      // End of path, `/`, or `?`.
      if (Number.isNaN(next) || next === 47 || next === 63) {
        return group;
      }
    }
  }
  return undefined;
}

export type RequestLimiter = ReturnType<FastifyInstance['createRateLimit']>;

export interface EdgeRateLimits {
  /** Counts failed Bull Board logins per IP (read without counting, counted on failure). */
  failedLogins: RequestLimiter;
  failedLoginMax: number;
}

/** Failed Bull Board logins allowed per IP per 15 minutes. */
export const FAILED_LOGIN_MAX = 10;
const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;

/**
 * @fastify/rate-limit with its Redis store (counters shared by every gateway replica, under
 * REDIS_KEY_PREFIX), on the groups above, before the body is read. Over the limit: 429 with
 * Retry-After. A Redis outage lets requests through (skipOnError): the limiter protects the
 * service, it must not take it down. The client IP is Fastify's `request.ip` (TRUST_PROXY).
 */
export async function installRateLimits(
  fastify: FastifyInstance,
  env: Readonly<GatewayEnv>,
): Promise<EdgeRateLimits> {
  const redis = new Redis(env.REDIS_URL, {
    connectionName: 'gateway-rate-limit',
    // Fail fast when Redis is away: requests pass (skipOnError) instead of waiting on retries.
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    enableAutoPipelining: true,
  });
  fastify.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  await fastify.register(rateLimit, {
    global: false,
    hook: 'onRequest',
    redis,
    nameSpace: redisKeys.edgeRate(env.REDIS_KEY_PREFIX),
    max: env.RATE_LIMIT_MAX,
    timeWindow: env.RATE_LIMIT_WINDOW_SECONDS * 1000,
    skipOnError: true,
    keyGenerator: (request) =>
      `${rateLimitGroupOf(request.url) ?? 'other'}:${normalizeIP(request.ip)}`,
  });
  const limit = fastify.rateLimit();
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done) => {
    if (rateLimitGroupOf(request.url) === undefined) {
      done();
      return;
    }
    limit.call(fastify, request, reply).then(() => done(), done);
  });
  const failedLogins = fastify.createRateLimit({
    max: FAILED_LOGIN_MAX,
    timeWindow: FAILED_LOGIN_WINDOW_MS,
    keyGenerator: (request) => `login:${normalizeIP(request.ip)}`,
  });
  return { failedLogins, failedLoginMax: FAILED_LOGIN_MAX };
}
