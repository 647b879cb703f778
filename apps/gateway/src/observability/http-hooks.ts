import { Logger } from '@nestjs/common';
import { withCorrelation } from '@app/platform';
import { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';

/**
 * Every request runs under a fresh correlation id (carried into the jobs it queues and every log
 * line on the way). The access log holds exactly what the privacy policy says is logged — date
 * and time, path (never the query string: it can carry codes and tokens), client IP, bytes sent
 * and user agent — and nothing more.
 */
export function installHttpHooks(fastify: FastifyInstance): void {
  const access = new Logger('access');
  fastify.addHook('onRequest', (_request, _reply, done) => {
    withCorrelation(randomUUID(), done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const length = Number(reply.getHeader('content-length'));
    access.log({
      time: new Date().toISOString(),
      path: request.url.split('?')[0],
      ip: request.ip,
      bytes: Number.isFinite(length) ? length : 0,
      userAgent: request.headers['user-agent'] ?? '',
    });
    done();
  });
}
