export { CoreEnv, DataLifecycleEnv, PlatformApisEnv, LOG_LEVELS } from './config/env';
export type { LogLevelName } from './config/env';
export { loadEnv, loadEnvOrExit, InvalidEnvironmentError } from './config/load-env.util';
export {
  IsBase64Key32,
  IsHttpUrl,
  IsHostAllowlist,
  IsKeyList,
  parseKeyList,
  IsPostgresUrl,
  IsRedisUrl,
  stringRule,
} from './config/validators';
export {
  DEFAULT_MEDIA_HOST_ALLOWLIST,
  hostAllowance,
  normalizeHost,
  parseHostAllowlist,
} from './config/host-allowlist';
export type { HostAllowance, HostAllowlist } from './config/host-allowlist';
export { JsonLogger, levelsFrom } from './logging/json-logger';
export { redact, REDACTED } from './logging/redact.util';
export { closeOnSignals } from './lifecycle/graceful-shutdown';
export type { ShutdownOptions } from './lifecycle/graceful-shutdown';
export { Metrics } from './metrics/metrics';
export { withCorrelation, currentCorrelationId } from './logging/correlation';
export { startMetricsServer } from './metrics/metrics-server';
export type { MetricsServer, MetricsServerOptions } from './metrics/metrics-server';
export { ClassifiedError, FAILURE_KINDS, kindOf, retryAfterOf } from './errors/classified-error';
export type { ClassifiedErrorOptions, ErrorKind, FailureKind } from './errors/classified-error';
