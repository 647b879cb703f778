export { ConnectionsModule } from './connections.module';
export { CONNECTIONS_REDIS, CONNECTIONS_OPTIONS } from './connections-redis.provider';
export type { ConnectionsOptions } from './connections-redis.provider';
export { LiveChatCredentialsService } from './livechat-credentials.service';
export type { CustomerCredentials } from './livechat-credentials.service';
export { InstagramAccountDirectory } from './instagram-account-directory.service';
export type { ConnectedAccount } from './instagram-account-directory.service';
export { RelayError } from './errors';
