import { ConversationEntity, InstagramAccountEntity, InstallationEntity } from '@app/persistence';

export type OutboundOutcome =
  | 'sent'
  | 'duplicate'
  | 'refused'
  | 'not-an-agent-reply'
  | 'not-our-chat'
  | 'no-installation'
  | 'seen'
  | 'recorded'
  | 'ignored';

/** The installation, conversation and account a LiveChat chat belongs to (resolve step). */
export interface OutboundTarget {
  installation: InstallationEntity;
  conversation: ConversationEntity;
  account: InstagramAccountEntity;
}

/** How Meta is told a reply may be sent (the messaging window, or the HUMAN_AGENT tag). */
export type OutboundTag =
  { messagingType: 'RESPONSE' } | { messagingType: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' };
