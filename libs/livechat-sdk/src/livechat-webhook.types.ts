import {
  ChatAccess,
  ChatEvent,
  ChatThread,
  ChatUser,
  LiveChatProperties,
} from './customer-chat.types';

/** The v3.6 chat webhook envelope as LiveChat POSTs it (snake_case, before parsing). */
export interface LiveChatWebhookBody {
  webhook_id: string;
  secret_key: string;
  action: string;
  organization_id: string;
  payload: Record<string, unknown>;
  additional_data?: {
    chat_properties?: Record<string, Record<string, unknown>>;
    chat_presence_user_ids?: string[];
  };
}

export const LIVECHAT_WEBHOOK_ACTIONS = [
  'incoming_event',
  'incoming_chat',
  'chat_deactivated',
  'event_deleted',
  'events_marked_as_seen',
  'event_updated',
] as const;

export type KnownLiveChatWebhookAction = (typeof LIVECHAT_WEBHOOK_ACTIONS)[number];

export interface LiveChatWebhookAdditionalData {
  chatProperties?: LiveChatProperties;
  chatPresenceUserIds?: string[];
}

interface WebhookBase {
  webhookId: string;
  /** Compare with {@link secretKeyMatches}, never with `===`. */
  secretKey: string;
  organizationId: string;
  additionalData?: LiveChatWebhookAdditionalData;
}

export interface IncomingEventWebhook extends WebhookBase {
  action: 'incoming_event';
  payload: { chatId: string; threadId: string; event: ChatEvent };
}

export interface EventUpdatedWebhook extends WebhookBase {
  action: 'event_updated';
  payload: { chatId: string; threadId: string; event: ChatEvent };
}

export interface IncomingChatWebhook extends WebhookBase {
  action: 'incoming_chat';
  payload: {
    chat: {
      id: string;
      users: ChatUser[];
      properties?: LiveChatProperties;
      access?: ChatAccess;
      thread?: ChatThread;
    };
    transferredFrom?: unknown;
  };
}

export interface ChatDeactivatedWebhook extends WebhookBase {
  action: 'chat_deactivated';
  /** `userId` is missing when the router closed the thread. */
  payload: { chatId: string; threadId: string; userId?: string };
}

export interface EventDeletedWebhook extends WebhookBase {
  action: 'event_deleted';
  payload: { chatId: string; threadId: string; eventId: string };
}

export interface EventsMarkedAsSeenWebhook extends WebhookBase {
  action: 'events_marked_as_seen';
  payload: { userId: string; chatId: string; seenUpTo: string };
}

/** Any action we do not model survives untouched, so new LiveChat actions never crash a handler. */
export interface UnknownWebhook extends WebhookBase {
  action: 'unknown';
  rawAction: string;
  payload: Record<string, unknown>;
}

export type LiveChatWebhook =
  | IncomingEventWebhook
  | EventUpdatedWebhook
  | IncomingChatWebhook
  | ChatDeactivatedWebhook
  | EventDeletedWebhook
  | EventsMarkedAsSeenWebhook
  | UnknownWebhook;

export type ParseResult<T> = { ok: true; webhook: T } | { ok: false; reason: string };

/** App webhooks (Developer Console "App Webhooks" block), as LiveChat POSTs them. */
export interface LiveChatAppWebhookBody {
  applicationID: string;
  applicationName?: string;
  clientID: string;
  date?: string;
  event: string;
  licenseID: number;
  organizationID: string;
  payload?: Record<string, unknown>;
  userID?: string;
}

export interface LiveChatAppWebhook {
  /** `unknown` for events we do not model (e.g. `payment_*`); see `rawEvent`. */
  event: 'application_installed' | 'application_uninstalled' | 'unknown';
  rawEvent: string;
  applicationId?: string;
  applicationName?: string;
  clientId: string;
  date?: string;
  licenseId?: number;
  organizationId: string;
  /** The installing / uninstalling account. */
  userId?: string;
  payload?: Record<string, unknown>;
}
