import { INestApplication, Logger } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter as BoardAdapter } from '@bull-board/fastify';
import { ALL_QUEUES } from '@app/queues';
import { Queue } from 'bull';
import { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';
import { EdgeRateLimits } from '../edge/rate-limit';
import { redactJobData } from './job-data-redaction';

export const BULL_BOARD_PATH = '/admin/queues';

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `Authorization: Basic …` checked in constant time. */
export function basicAuthMatches(
  header: string | undefined,
  username: string,
  password: string,
): boolean {
  if (!header?.startsWith('Basic ')) {
    return false;
  }
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return false;
  }
  const userOk = sameSecret(decoded.slice(0, colon), username);
  const passOk = sameSecret(decoded.slice(colon + 1), password);
  return userOk && passOk;
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Bull Board at /admin/queues, every queue listed, behind ADMIN_USERNAME / ADMIN_PASSWORD.
 * Off (with a log line) while they are unset. Read-only unless BULL_BOARD_READ_ONLY=false (then
 * retry, clean, promote, pause… are allowed); job data is shown redacted (ids, kinds and numbers,
 * never message text, URLs or tokens). Failed logins are counted per client IP: after
 * FAILED_LOGIN_MAX of them within 15 minutes the IP gets 429 until the window ends.
 */
export async function mountBullBoard(
  app: INestApplication,
  fastify: FastifyInstance,
  env: GatewayEnv,
  limits: EdgeRateLimits,
): Promise<boolean> {
  const logger = new Logger('BullBoard');
  if (!env.ADMIN_USERNAME || !env.ADMIN_PASSWORD) {
    logger.log({
      msg: 'Bull Board is off: set ADMIN_USERNAME and ADMIN_PASSWORD to serve it at /admin/queues',
    });
    return false;
  }
  const username = env.ADMIN_USERNAME;
  const password = env.ADMIN_PASSWORD;
  const readOnly = env.BULL_BOARD_READ_ONLY;
  const queues = ALL_QUEUES.map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const serverAdapter = new BoardAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  const adapters = queues.map((q) => {
    const adapter = new BullAdapter(q, { readOnlyMode: readOnly, allowRetries: !readOnly });
    adapter.setFormatter('data', redactJobData);
    adapter.setFormatter('returnValue', redactJobData);
    return adapter;
  });
  createBullBoard({ queues: adapters, serverAdapter });
  await fastify.register((scope, _options, done) => {
    scope.addHook('onRequest', async (request, reply) => {
      const before = await limits.failedLogins(request, { increment: false });
      if (!before.isAllowed && before.remaining <= 0) {
        return reply
          .code(429)
          .header('retry-after', String(Math.max(1, before.ttlInSeconds)))
          .send({ statusCode: 429, message: 'too many failed logins: try again later' });
      }
      const given = request.headers.authorization;
      if (!basicAuthMatches(given, username, password)) {
        if (given !== undefined) {
          // A browser's first, credential-less request is no failed login.
          await limits.failedLogins(request);
        }
        return reply
          .code(401)
          .header('WWW-Authenticate', 'Basic realm="queues", charset="UTF-8"')
          .send({ statusCode: 401, message: 'credentials required' });
      }
      if (readOnly && !READ_METHODS.has(request.method)) {
        // Bull Board refuses writes itself in read-only mode; this holds for any route it adds.
        return reply
          .code(405)
          .header('allow', 'GET, HEAD')
          .send({ statusCode: 405, message: 'Bull Board is read-only (BULL_BOARD_READ_ONLY)' });
      }
      return undefined;
    });
    void scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
    done();
  });
  logger.log({
    msg: 'Bull Board serving',
    path: BULL_BOARD_PATH,
    queues: ALL_QUEUES.length,
    readOnly,
  });
  return true;
}
