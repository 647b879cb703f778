import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyInstance, RawServerDefault } from 'fastify';
import { GatewayEnv } from '../config/gateway.env';

/**
 * Body limits, per route, sized to the largest legitimate payload (docs/security.md):
 * - `POST /webhooks/instagram`: WEBHOOK_BODY_LIMIT_BYTES (default 1 MiB; Meta's batches);
 * - `POST /webhooks/livechat`: 256 KiB (one event, its text, chat properties);
 * - every other route: 16 KiB (settings API calls, Meta's signed_request forms, app webhooks).
 * Over the limit Fastify answers 413 before reading the body when Content-Length says so, or as
 * soon as a chunked body passes it, and closes the connection: the rest is never buffered.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024;
export const LIVECHAT_WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

export const INSTAGRAM_WEBHOOK_PATH = '/webhooks/instagram';

/** Routes whose handler receives the body as raw bytes: it authenticates them, then parses. */
const RAW_JSON_ROUTES: ReadonlySet<string> = new Set([INSTAGRAM_WEBHOOK_PATH]);

export function bodyLimits(env: Readonly<GatewayEnv>): ReadonlyMap<string, number> {
  return new Map([
    [INSTAGRAM_WEBHOOK_PATH, env.WEBHOOK_BODY_LIMIT_BYTES],
    ['/webhooks/livechat', LIVECHAT_WEBHOOK_BODY_LIMIT_BYTES],
  ]);
}

/**
 * Sets each route's body limit as Nest registers it, and the gateway's body parsers: JSON (safe
 * against prototype poisoning), except on raw routes, where the handler gets the Buffer and
 * verifies its signature before anything parses it; form bodies (Meta's callbacks).
 * Call before the app is initialised (routes are registered then).
 */
export function installBodyHandling(
  app: NestFastifyApplication,
  fastify: FastifyInstance,
  env: Readonly<GatewayEnv>,
): void {
  const limits = bodyLimits(env);
  fastify.addHook('onRoute', (route) => {
    const limit = limits.get(route.url ?? '');
    if (limit !== undefined) {
      route.bodyLimit = limit;
    }
  });
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>(
    'application/json',
    { bodyLimit: DEFAULT_BODY_LIMIT_BYTES },
    (req, body, done) => {
      if (RAW_JSON_ROUTES.has(req.routeOptions.url ?? '')) {
        done(null, body);
        return;
      }
      void parseJson(req, body.toString('utf8'), done);
    },
  );
  app.useBodyParser(
    'application/x-www-form-urlencoded',
    { bodyLimit: DEFAULT_BODY_LIMIT_BYTES },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    },
  );
}
