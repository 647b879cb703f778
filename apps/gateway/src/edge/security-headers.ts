import { FastifyInstance } from 'fastify';
import { contentSecurityPolicy } from '../pages/page-layout';
import { BULL_BOARD_PATH } from '../observability/bull-board';

/**
 * Bull Board's UI: its own scripts and styles (and inline style attributes React sets), its API;
 * nothing from elsewhere (not even the web fonts it asks for: an operator's browser does not call
 * Google), never framed.
 */
export const BULL_BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const DEFAULT_CSP = contentSecurityPolicy();

/**
 * Every HTML response carries a CSP, nosniff, a referrer policy and framing rules, whoever
 * produced it. Our pages set theirs (sendPage: /app may be framed by LiveChat's agent app only);
 * anything else (Bull Board, a library's page) gets the strict default: framed by nobody.
 */
export function installSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !type.startsWith('text/html')) {
      done(null, payload);
      return;
    }
    if (!reply.hasHeader('content-security-policy')) {
      void reply.header(
        'content-security-policy',
        request.url.startsWith(BULL_BOARD_PATH) ? BULL_BOARD_CSP : DEFAULT_CSP,
      );
      void reply.header('x-frame-options', 'DENY');
    }
    if (!reply.hasHeader('x-content-type-options')) {
      void reply.header('x-content-type-options', 'nosniff');
    }
    if (!reply.hasHeader('referrer-policy')) {
      void reply.header('referrer-policy', 'no-referrer');
    }
    done(null, payload);
  });
}
