import { createServer, Server } from 'node:http';
import { closeServer, listen, readBody } from '../shared/http-toolkit';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  at: number;
}

/**
 * A throwaway HTTP endpoint that records what it is sent: stands in for our gateway when a test
 * only needs to see the webhooks the emulator delivers.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  url = '';
  /** Status to answer with (change it to simulate a failing receiver). */
  status = 200;
  private server?: Server;

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const text = raw.toString('utf8');
        let body: unknown = text;
        try {
          body = text === '' ? undefined : (JSON.parse(text) as unknown);
        } catch {
          // keep raw text
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === 'string') {
            headers[k] = v;
          }
        }
        this.received.push({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers,
          body,
          at: Date.now(),
        });
        res.writeHead(this.status, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    this.server = server;
    this.url = await listen(server);
    return this;
  }

  /** Bodies whose `action` (chat webhooks) or `event` (app webhooks) equals `name`. */
  bodies(name?: string): Array<Record<string, unknown>> {
    return this.received
      .map((r) => r.body)
      .filter(
        (b): b is Record<string, unknown> =>
          typeof b === 'object' && b !== null && !Array.isArray(b),
      )
      .filter((b) => name === undefined || b.action === name || b.event === name);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) {
      return;
    }
    this.server = undefined;
    await closeServer(server);
  }
}

export function startWebhookReceiver(): Promise<WebhookReceiver> {
  return new WebhookReceiver().start();
}
