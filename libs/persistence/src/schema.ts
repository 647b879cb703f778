import { CleanupAuditEntity } from './entities/cleanup-audit.entity';
import { ConversationEntity } from './entities/conversation.entity';
import { DeletionRequestEntity } from './entities/deletion-request.entity';
import { InstagramAccountEntity } from './entities/instagram-account.entity';
import { InstallationEntity } from './entities/installation.entity';
import { MessageLinkEntity } from './entities/message-link.entity';
import { MIGRATIONS } from './migrations/migrations';

/** Listed explicitly: globs break under webpack bundles. */
export const ENTITIES = [
  InstallationEntity,
  InstagramAccountEntity,
  ConversationEntity,
  MessageLinkEntity,
  DeletionRequestEntity,
  CleanupAuditEntity,
];

export { MIGRATIONS };
