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

/**
 * Bull Board at /admin/queues, every queue listed, behind ADMIN_USERNAME / ADMIN_PASSWORD.
 * Off (with a log line) while they are unset. Job payloads shown there hold message text while
 * a job lives: only operators who may read customer messages should have the credentials.
 */
export async function mountBullBoard(
  app: INestApplication,
  fastify: FastifyInstance,
  env: GatewayEnv,
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
  const queues = ALL_QUEUES.map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const serverAdapter = new BoardAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullAdapter(q)), serverAdapter });
  await fastify.register((scope, _options, done) => {
    scope.addHook('onRequest', (request, reply, next) => {
      if (basicAuthMatches(request.headers.authorization, username, password)) {
        next();
        return;
      }
      void reply
        .code(401)
        .header('WWW-Authenticate', 'Basic realm="queues", charset="UTF-8"')
        .send({ statusCode: 401, message: 'credentials required' });
    });
    void scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
    done();
  });
  logger.log({ msg: 'Bull Board serving', path: BULL_BOARD_PATH, queues: ALL_QUEUES.length });
  return true;
}
