export {
  startLiveChatEmulator,
  LiveChatEmulator,
  WEBSITE_WIDGET_CLIENT_ID,
} from './livechat.emulator';
export type {
  LiveChatEmulatorOptions,
  AgentEventOptions,
  AgentMessageOptions,
  AgentFileOptions,
  AgentEventResult,
  AppWebhookOptions,
} from './livechat.emulator';
export { LiveChatEmulatorState, DEFAULT_SCOPES, isChatActive, lastThread } from './emulator-state';
export type {
  EmulatorAccount,
  EmulatorOrganization,
  EmulatorAgentToken,
  EmulatorCustomerToken,
  EmulatorCustomer,
  EmulatorChat,
  EmulatorThread,
  EmulatorEvent,
  EmulatorFile,
  EmulatorGroup,
  EmulatorBot,
  OrganizationHandle,
  CreateOrganizationOptions,
} from './emulator-state';
export type { CallRecord, AuthKind } from './emulator-core';
export type { FaultSpec, ActiveFault } from './livechat-faults';
export type {
  RegisterWebhookOptions,
  WebhookRegistration,
  WebhookDelivery,
  WebhookFilters,
  AuthorType,
  SourceType,
} from './webhook-dispatcher';
export { MAX_FILE_BYTES, MAX_TEXT_BYTES } from './customer-chat.routes';
export { WebhookReceiver, startWebhookReceiver } from './webhook-receiver';
export type { ReceivedRequest } from './webhook-receiver';
