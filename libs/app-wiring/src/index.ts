export { QueueMetricsService } from './queue-metrics.service';
export { WorkerObservabilityModule, WorkerMetricsListener } from './worker-observability.module';
export type { WorkerObservabilityOptions } from './worker-observability.module';
export {
  cleanupJobIds,
  enqueueFresh,
  schedulePurge,
  enqueueLandedDelete,
  MESSAGE_DELETE_PROMISE_MS,
} from './cleanup-jobs';
export { platformModules } from './app-modules';
