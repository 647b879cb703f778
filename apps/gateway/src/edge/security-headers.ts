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
 * One onSend hook for the whole gateway (it runs on every response, webhooks included: kept to
 * a header lookup). Every HTML response carries a CSP, nosniff, a referrer policy and framing rules, whoever
 * produced it. Our pages set theirs (sendPage: /app may be framed by LiveChat's agent app only);
 * anything else (Bull Board, a library's page) gets the strict default: framed by nobody.
 */
export function installSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode === 413) {
      // Fastify closes on a refused body; a close with the client's bytes unread resets the
      // connection, which can swallow the 413 itself. Instead the rest is read and dropped (never
      // buffered) while the client sends it, for at most HTTP_REQUEST_TIMEOUT_MS.
      void reply.removeHeader('connection');
    }
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
