import { Injectable } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { Counter, Gauge } from 'prom-client';

/** The cleanup worker's own metrics, on the process registry (served at /metrics). */
@Injectable()
export class CleanupMetrics {
  /** Each revocation or purge step and how it went (revoked, already-gone, kept-shared, …). */
  readonly steps: Counter<'step' | 'result'>;
  /** Uninstall webhooks LiveChat did not confirm: possible forgeries. Alert on any. */
  readonly uninstallsNotConfirmed: Counter;
  /** Rows, jobs and keys removed by purges and retention sweeps. */
  readonly removed: Counter<'what'>;
  /**
   * Instagram message deletes whose 30-day promise falls due within the alert margin while the
   * message is still in LiveChat. Alert when above zero.
   */
  readonly messageDeletesAtRisk: Gauge;
  /** Message deletes past their 30-day promise: the promise is broken. Page on any. */
  readonly messageDeletesOverdue: Gauge;
  /** Deletion promises (purges, data-deletion requests) found overdue by the sweep and re-queued. */
  readonly overdueRequeued: Counter<'what'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.steps = new Counter({
      name: 'igl_cleanup_steps_total',
      help: 'Revocation and purge steps by step and result',
      labelNames: ['step', 'result'] as const,
      registers,
    });
    this.uninstallsNotConfirmed = new Counter({
      name: 'igl_uninstalls_not_confirmed_total',
      help: 'Uninstall webhooks LiveChat did not confirm (installation restored): possible forgeries',
      registers,
    });
    this.removed = new Counter({
      name: 'igl_cleanup_removed_total',
      help: 'Rows, jobs and Redis keys removed by purges and retention sweeps',
      labelNames: ['what'] as const,
      registers,
    });
    this.messageDeletesAtRisk = new Gauge({
      name: 'igl_message_deletes_at_risk',
      help: 'Instagram message deletes not yet applied in LiveChat whose 30-day promise falls due within 3 days',
      registers,
    });
    this.messageDeletesOverdue = new Gauge({
      name: 'igl_message_deletes_overdue',
      help: 'Instagram message deletes not applied in LiveChat within the promised 30 days',
      registers,
    });
    this.overdueRequeued = new Counter({
      name: 'igl_cleanup_overdue_requeued_total',
      help: 'Overdue purges, revocations and data-deletion requests the sweep queued again',
      labelNames: ['what'] as const,
      registers,
    });
  }
}
