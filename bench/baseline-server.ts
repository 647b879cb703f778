/**
 * The baseline: the least a server can do for our gateway's job, on this machine. A bare
 * `node:http` server that reads the body, verifies `X-Hub-Signature-256` (HMAC-SHA256, constant
 * time), parses the JSON and makes one Bull `add` (deterministic job id from the first message id,
 * removed on completion) to a queue under a Redis prefix of its own. No framework, no validation
 * beyond that, no per-conversation index. Env: PORT, REDIS_URL, REDIS_KEY_PREFIX, META_APP_SECRET.
 */
import Queue from 'bull';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

const port = Number(process.env.PORT ?? 0);
const secret = process.env.META_APP_SECRET ?? '';
const queue = new Queue('baseline-inbound', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  prefix: process.env.REDIS_KEY_PREFIX ?? 'baseline',
});

function verify(body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) {
    return false;
  }
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(header.slice(7), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

interface Payload {
  entry?: Array<{ messaging?: Array<{ message?: { mid?: string } }> }>;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const signature = req.headers['x-hub-signature-256'];
  if (!verify(body, typeof signature === 'string' ? signature : undefined)) {
    reply(res, 401, '{"error":"bad signature"}');
    return;
  }
  let payload: Payload;
  try {
    payload = JSON.parse(body.toString('utf8')) as Payload;
  } catch {
    reply(res, 400, '{"error":"malformed"}');
    return;
  }
  const items = payload.entry?.flatMap((e) => e.messaging ?? []) ?? [];
  const mid = items[0]?.message?.mid ?? '';
  await queue.add(payload, {
    jobId: createHash('sha256').update(mid).digest('base64url').slice(0, 22),
    removeOnComplete: true,
  });
  reply(res, 200, `{"received":${items.length}}`);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    reply(res, 500, JSON.stringify({ error: error instanceof Error ? error.message : 'error' }));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`baseline listening on ${port}\n`);
});

const stop = (): void => {
  server.close();
  server.closeAllConnections();
  void queue.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
