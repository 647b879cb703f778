import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the three processes expose, in one place so names and labels stay consistent.
 * One registry per process (tests create several apps in one process: each gets its own).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly webhooksReceived = new Counter({
    name: 'igl_webhooks_received_total',
    help: 'Webhook requests by source and outcome (accepted, or the reason they were rejected or ignored)',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookItems = new Counter({
    name: 'igl_webhook_items_total',
    help: 'Items found in accepted webhooks, by source and kind, and what was done with them',
    labelNames: ['source', 'kind', 'action'] as const,
    registers: [this.registry],
  });

  readonly jobs = new Counter({
    name: 'igl_jobs_total',
    help: 'Jobs finished by queue and outcome (completed, failed, retried, deferred, dropped)',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly relayLatency = new Histogram({
    name: 'igl_relay_latency_seconds',
    help: 'Webhook accepted at the gateway → delivered on the other side',
    labelNames: ['direction'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly upstreamLatency = new Histogram({
    name: 'igl_upstream_request_duration_seconds',
    help: 'Calls to LiveChat and Meta by platform, method and status',
    labelNames: ['platform', 'method', 'status'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly tokenRefreshes = new Counter({
    name: 'igl_token_refreshes_total',
    help: 'Token refreshes and mints by platform, kind and outcome',
    labelNames: ['platform', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly rateLimitWaits = new Counter({
    name: 'igl_rate_limit_waits_total',
    help: 'Times a job waited because a platform (or our own send limit) asked it to',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'igl_queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly queueOldestWaiting = new Gauge({
    name: 'igl_queue_oldest_waiting_seconds',
    help: 'Age of the oldest waiting job in each queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor(readonly app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
  }

  /** For the platform clients' `onCall` hook. */
  recordUpstream = (info: {
    api: string;
    method: string;
    status: number | string;
    durationMs: number;
  }): void => {
    this.upstreamLatency.observe(
      { platform: info.api, method: info.method, status: String(info.status) },
      info.durationMs / 1000,
    );
    if (info.status === 429) {
      this.rateLimitWaits.inc({ platform: info.api });
    }
  };
}
