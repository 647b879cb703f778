export { LiveChatModule } from './livechat.module';
export type { LiveChatModuleAsyncOptions } from './livechat.module';
export { LIVECHAT_CLIENT_OPTIONS } from './livechat-options.types';
export type { LiveChatClientOptions, LiveChatCallInfo } from './livechat-options.types';
export {
  LiveChatApiError,
  isLiveChatApiError,
  classifyLiveChatFailure,
  parseRetryAfter,
} from './livechat-api.error';
export { LiveChatAccountsClient } from './livechat-accounts.client';
export type {
  AgentTokenSet,
  AgentTokenInfo,
  CustomerTokenSet,
  CustomerTokenInfo,
  ExchangeCodeParams,
  AuthorizeUrlParams,
  PkcePair,
} from './livechat-accounts.types';
export { CustomerChatClient } from './customer-chat.client';
export type {
  LiveChatProperties,
  MessageEventInput,
  FileEventInput,
  SystemMessageEventInput,
  CustomerEventInput,
  ChatEvent,
  ChatUser,
  ChatAccess,
  ChatThread,
  Chat,
  ChatSummary,
  ListChatsResult,
  StartChatParams,
  StartChatResult,
  ResumeChatParams,
  ResumeChatResult,
  SendEventParams,
  UploadFileParams,
  UpdateCustomerParams,
  GetChatParams,
  ListChatsParams,
  DeleteEventParams,
  MarkEventsAsSeenParams,
} from './customer-chat.types';
export { ConfigurationClient } from './configuration.client';
export type { LiveChatGroup } from './configuration.client';
export { SingleFlight } from './single-flight.util';
export { createPkcePair, pkceChallenge } from './pkce.util';
export {
  parseLiveChatWebhook,
  parseLiveChatAppWebhook,
  secretKeyMatches,
} from './livechat-webhook.util';
export { LIVECHAT_WEBHOOK_ACTIONS } from './livechat-webhook.types';
export type {
  LiveChatWebhookBody,
  KnownLiveChatWebhookAction,
  LiveChatWebhookAdditionalData,
  LiveChatWebhook,
  IncomingEventWebhook,
  EventUpdatedWebhook,
  IncomingChatWebhook,
  ChatDeactivatedWebhook,
  EventDeletedWebhook,
  EventsMarkedAsSeenWebhook,
  UnknownWebhook,
  ParseResult,
  LiveChatAppWebhookBody,
  LiveChatAppWebhook,
} from './livechat-webhook.types';
export { RELAY_CHAT_PROPERTY, relayChatProperties, isRelayChat } from './relay-chat-property.util';
