export { PersistenceModule } from './persistence.module';
export type { PersistenceModuleOptions } from './persistence.module';
export { buildDataSourceOptions } from './data-source-options';
export type { DatabaseConnectionOptions } from './data-source-options';
export { ENTITIES, MIGRATIONS } from './schema';
export { TokenCipher, TokenDecryptionError, keyIdOf } from './crypto/token-cipher';
export { TOKEN_CIPHER } from './crypto/token-cipher.provider';
export { installationTokenContext, pageTokenContext } from './crypto/token-contexts';
export { InstallationEntity } from './entities/installation.entity';
export type { InstallationStatus } from './entities/installation.entity';
export { InstagramAccountEntity } from './entities/instagram-account.entity';
export type {
  AccountHealthState,
  InstagramAccountStatus,
  LoginPath,
} from './entities/instagram-account.entity';
export { ConversationEntity } from './entities/conversation.entity';
export { MessageLinkEntity } from './entities/message-link.entity';
export type { MessageDirection, MessageLinkState } from './entities/message-link.entity';
export { DeletionRequestEntity } from './entities/deletion-request.entity';
export type {
  DeletionRequestKind,
  DeletionRequestStatus,
} from './entities/deletion-request.entity';
export { InstallationRepository } from './repositories/installation.repository';
export type { InstallationGrant, InstallationTokens } from './repositories/installation.repository';
export {
  InstagramAccountRepository,
  InstagramAccountTakenError,
  connectionConflict,
} from './repositories/instagram-account.repository';
export type {
  InstagramAccountConnection,
  ExistingConnection,
} from './repositories/instagram-account.repository';
export { ConversationRepository } from './repositories/conversation.repository';
export type { ConversationUpdate } from './repositories/conversation.repository';
export { MessageLinkRepository } from './repositories/message-link.repository';
export type {
  InboundClaimResult,
  InboundLinkKey,
  LiveChatEventRef,
  OutboundClaimKey,
} from './repositories/message-link.repository';
export {
  DeletionRequestRepository,
  newConfirmationCode,
} from './repositories/deletion-request.repository';
export type {
  LinkedMessage,
  MessageDeleteRequest,
} from './repositories/deletion-request.repository';
export { LifecycleRepository } from './repositories/lifecycle.repository';
export type { UninstallState } from './repositories/lifecycle.repository';
export { PurgeRepository } from './repositories/purge.repository';
export type { PurgeCounts, PurgeFootprint } from './repositories/purge.repository';
export { CleanupAuditRepository } from './repositories/cleanup-audit.repository';
export type { CleanupAuditEntry } from './repositories/cleanup-audit.repository';
export { CleanupAuditEntity } from './entities/cleanup-audit.entity';
export type { CleanupAuditAction, CleanupAuditScope } from './entities/cleanup-audit.entity';
export {
  ENCRYPTED_COLUMNS,
  TokenRotationRepository,
} from './repositories/token-rotation.repository';
export type { EncryptedColumn, ReencryptionBatch } from './repositories/token-rotation.repository';
export { AccountHealthRepository } from './repositories/account-health.repository';
export type { AccountHealthRecord, DueAccount } from './repositories/account-health.repository';
export { runMigrations } from './run-migrations';
export { GroupCommit } from './group-commit';
