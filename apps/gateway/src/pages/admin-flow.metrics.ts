import { Injectable } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { Counter } from 'prom-client';

export type AdminFlow = 'install' | 'connect' | 'disconnect' | 'admin_auth';

/** Outcomes of what admins do (install, connect, disconnect, sign-in), on the gateway's /metrics. */
@Injectable()
export class AdminFlowMetrics {
  private readonly outcomes: Counter<'flow' | 'outcome'>;

  constructor(metrics: Metrics) {
    this.outcomes = new Counter({
      name: 'igl_admin_flow_total',
      help: 'Install, connect, disconnect and settings sign-in attempts by outcome',
      labelNames: ['flow', 'outcome'] as const,
      registers: [metrics.registry],
    });
  }

  count(flow: AdminFlow, outcome: string): void {
    this.outcomes.inc({ flow, outcome });
  }
}
