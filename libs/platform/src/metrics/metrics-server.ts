import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Metrics } from './metrics';

export interface MetricsServerOptions {
  port: number;
  host?: string;
  metrics: Metrics;
  /** Refreshes gauges read on demand (queue depths) before each scrape. */
  beforeScrape?: () => Promise<void>;
  /** Readiness: resolves to the names of what is not reachable (empty when ready). */
  readiness?: () => Promise<string[]>;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The workers' small listener: GET /metrics (Prometheus text), /health/live, /health/ready.
 * Nothing else: the workers have no HTTP API.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    void (async () => {
      try {
        if (req.method === 'GET' && path === '/metrics') {
          await options.beforeScrape?.();
          res.writeHead(200, { 'Content-Type': options.metrics.registry.contentType });
          res.end(await options.metrics.registry.metrics());
        } else if (req.method === 'GET' && path === '/health/live') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ status: 'ok' }));
        } else if (req.method === 'GET' && path === '/health/ready') {
          const down = (await options.readiness?.()) ?? [];
          res.writeHead(down.length === 0 ? 200 : 503, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify(down.length === 0 ? { status: 'ok' } : { status: 'unavailable', down }),
          );
        } else {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ statusCode: 404, message: 'not found' }));
        }
      } catch (error) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            statusCode: 500,
            message: error instanceof Error ? error.message : 'error',
          }),
        );
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
