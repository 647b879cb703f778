export { MetaEmulator, startMetaEmulator } from './meta-emulator';
export type {
  MetaEmulatorOptions,
  RecordedCall,
  SentWebhook,
  WebhookDelivery,
  WebhookSendOptions,
} from './meta-emulator';
export { MetaFaults } from './meta-faults';
export type { ActiveFault, FaultSpec } from './meta-faults';
export { DEFAULT_PAGE_TASKS, DEFAULT_SCOPES, MetaState } from './meta-state';
export type {
  EmulatedCustomer,
  EmulatedInstagramAccount,
  EmulatedPage,
  EmulatedToken,
  EmulatedUser,
  HostedMedia,
  LoginBehavior,
  SeededBusiness,
  SentMessage,
} from './meta-state';
export { graphError } from './meta-graph-errors';
export type { EmulatorResponse } from './meta-graph-errors';
export { buildWebhookPayload, hubSignature256, serializeLikeMeta } from './meta-webhooks';
export type {
  CustomerMessage,
  MessagingItem,
  WebhookEntryInput,
  WebhookPayload,
} from './meta-webhooks';
