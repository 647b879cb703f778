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
  /**
   * Watchdog checks by check (`subscription`, `token`, `livechat-webhooks`) and result (`ok`,
   * `repaired`, `needs-you`, `waiting`, `error`, `skipped`).
   */
  readonly watchdogChecks: Counter<'check' | 'result'>;
  /** Watched accounts by their last health state (from the database, refreshed each tick). */
  readonly watchdogAccounts: Gauge<'state'>;
  /** Watched accounts whose check is more than a period late: the watchdog is behind or down. */
  readonly watchdogOverdue: Gauge;
  /** When this worker last ran a watchdog tick (Unix seconds). */
  readonly watchdogLastTick: Gauge;

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
    this.watchdogChecks = new Counter({
      name: 'igl_watchdog_checks_total',
      help: 'Connection watchdog checks by check and result (ok, repaired, needs-you, waiting, error, skipped)',
      labelNames: ['check', 'result'] as const,
      registers,
    });
    this.watchdogAccounts = new Gauge({
      name: 'igl_watchdog_accounts',
      help: 'Connected Instagram accounts by health state at their last watchdog check',
      labelNames: ['state'] as const,
      registers,
    });
    this.watchdogOverdue = new Gauge({
      name: 'igl_watchdog_overdue_accounts',
      help: 'Connected Instagram accounts whose watchdog check is more than one period late',
      registers,
    });
    this.watchdogLastTick = new Gauge({
      name: 'igl_watchdog_last_tick_timestamp_seconds',
      help: 'Unix time of the last watchdog tick this worker ran',
      registers,
    });
  }
}
