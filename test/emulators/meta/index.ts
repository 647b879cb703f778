export { MetaEmulator, startMetaEmulator } from './meta-emulator';
export type {
  InstagramHostName,
  MetaEmulatorOptions,
  RecordedCall,
  SentWebhook,
  WebhookDelivery,
  WebhookSendOptions,
} from './meta-emulator';
export { MetaFaults } from './meta-faults';
export type { ActiveFault, FaultSpec } from './meta-faults';
export {
  DEFAULT_PAGE_TASKS,
  DEFAULT_SCOPES,
  INSTAGRAM_LOGIN_SCOPES,
  MetaState,
} from './meta-state';
export { INSTAGRAM_HOST_PREFIXES } from './instagram-login-routes';
export type {
  EmulatedCustomer,
  EmulatedInstagramAccount,
  EmulatedPage,
  EmulatedToken,
  EmulatedUser,
  HostedMedia,
  InstagramLoginBehavior,
  LoginBehavior,
  SeededBusiness,
  SeededInstagramLoginBusiness,
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
