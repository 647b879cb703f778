export { ConnectionsModule } from './connections.module';
export { CONNECTIONS_REDIS, CONNECTIONS_OPTIONS } from './connections-redis.provider';
export type { ConnectionsOptions } from './connections-redis.provider';
export { LiveChatCredentialsService } from './livechat-credentials.service';
export type { CustomerCredentials } from './livechat-credentials.service';
export { InstagramAccountDirectory } from './instagram-account-directory.service';
export type { ConnectedAccount } from './instagram-account-directory.service';
export { RelayError } from './errors';
export {
  ConnectionSignals,
  accountHolder,
  heldFor,
  holderOf,
  installationHolder,
} from './connection-signals.service';
export type { Holder } from './connection-signals.service';
export { QueueMetricsService } from './queue-metrics.service';
export { WorkerObservabilityModule, WorkerMetricsListener } from './worker-observability.module';
export type { WorkerObservabilityOptions } from './worker-observability.module';
export {
  cleanupJobIds,
  enqueueFresh,
  schedulePurge,
  enqueueDeleteIfRequested,
  MESSAGE_DELETE_PROMISE_MS,
} from './cleanup-jobs';
export {
  FACEBOOK_LOGIN_SCOPES,
  REQUIRED_FACEBOOK_SCOPES,
  PAGE_SUBSCRIBED_FIELDS,
  INSTAGRAM_LOGIN_SCOPES,
  INSTAGRAM_SUBSCRIBED_FIELDS,
  REQUIRED_INSTAGRAM_SCOPES,
} from './instagram-connect.constants';
export {
  instagramAccessProblemOf,
  probeInstagramMessaging,
  MESSAGING_NOT_AVAILABLE_CODE,
  MESSAGING_NOT_ALLOWED_REASON,
  TOKEN_EXPIRED_REASON,
} from './instagram-access-problem.util';
export type {
  InstagramAccessProblem,
  InstagramAccessProblemKind,
  MessagingProbeOptions,
} from './instagram-access-problem.util';
export { platformModules } from './app-modules';
