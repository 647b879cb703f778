/** LiveChat properties: namespace → property name → value. */
export type LiveChatProperties = Record<string, Record<string, unknown>>;

/** Events a customer may send; camelCase here, snake_case on the wire. */
export interface MessageEventInput {
  type: 'message';
  text: string;
  customId?: string;
  properties?: LiveChatProperties;
}

export interface FileEventInput {
  type: 'file';
  /** Must be a LiveChat CDN URL returned by `uploadFile`. */
  url: string;
  customId?: string;
  alternativeText?: string;
  properties?: LiveChatProperties;
}

export interface SystemMessageEventInput {
  type: 'system_message';
  text: string;
  systemMessageType: string;
  customId?: string;
  properties?: LiveChatProperties;
}

export type CustomerEventInput = MessageEventInput | FileEventInput | SystemMessageEventInput;

/** An event as the APIs and webhooks return it (Agent/Customer Chat API data structures). */
export interface ChatEvent {
  id: string;
  /** `message`, `file`, `system_message`, `rich_message`, `custom`, `filled_form`, ... */
  type: string;
  customId?: string;
  /** Missing on system messages. Customers are UUIDs, agents e-mails, bots hex strings. */
  authorId?: string;
  createdAt?: string;
  /** `all`, or `agents` for internal notes / whispers. */
  visibility?: string;
  text?: string;
  url?: string;
  name?: string;
  contentType?: string;
  size?: number;
  width?: number;
  height?: number;
  thumbnailUrl?: string;
  alternativeText?: string;
  systemMessageType?: string;
  textVars?: Record<string, string>;
  templateId?: string;
  elements?: unknown[];
  postback?: unknown;
  /** `custom` events. */
  content?: unknown;
  /** `filled_form` events. */
  fields?: unknown[];
  properties?: LiveChatProperties;
  /** Soft-deleted events (v3.6). */
  deleted?: boolean;
}

export interface ChatUser {
  id: string;
  /** `customer` or `agent` (bots are agents). */
  type: string;
  name?: string;
  email?: string;
  avatar?: string;
  present?: boolean;
  eventsSeenUpTo?: string;
  sessionFields?: Record<string, string>;
}

export interface ChatAccess {
  groupIds: number[];
}

export interface ChatThread {
  id: string;
  active: boolean;
  createdAt?: string;
  userIds: string[];
  events: ChatEvent[];
  properties?: LiveChatProperties;
  access?: ChatAccess;
  previousThreadId?: string;
  nextThreadId?: string;
}

export interface Chat {
  id: string;
  users: ChatUser[];
  properties?: LiveChatProperties;
  access?: ChatAccess;
  /** Requested (or latest) thread; absent for a chat without threads. */
  thread?: ChatThread;
}

export interface ChatSummary {
  id: string;
  active: boolean;
  lastThreadId?: string;
  lastThreadCreatedAt?: string;
  users: ChatUser[];
  properties?: LiveChatProperties;
  access?: ChatAccess;
}

export interface ListChatsResult {
  chatsSummary: ChatSummary[];
  totalChats: number;
  nextPageId?: string;
  previousPageId?: string;
}

export interface StartChatParams {
  /** Routes the chat (`chat.access.group_ids`); omitted → the license's default group. */
  groupId?: number;
  events?: CustomerEventInput[];
  /** Default true: the chat starts even when no group is online (Messaging Mode). */
  continuous?: boolean;
  /** Default true; false creates an inactive thread. */
  active?: boolean;
  properties?: LiveChatProperties;
  threadProperties?: LiveChatProperties;
}

export interface StartChatResult {
  chatId: string;
  threadId: string;
  /** Ids of the user-generated initial events, in order; empty when none were sent. */
  eventIds: string[];
}

export interface ResumeChatParams {
  chatId: string;
  events?: CustomerEventInput[];
  /** Chat properties to set as the chat resumes (merged into the chat's). */
  properties?: LiveChatProperties;
  continuous?: boolean;
  active?: boolean;
  groupId?: number;
  threadProperties?: LiveChatProperties;
}

export interface ResumeChatResult {
  threadId: string;
  eventIds: string[];
}

export interface SendEventParams {
  chatId: string;
  event: CustomerEventInput;
  /** For inactive chats: append to the closed last thread instead of failing (`chat_inactive`). */
  attachToLastThread?: boolean;
}

export interface UploadFileParams {
  fileName: string;
  contentType: string;
  data: Buffer | Uint8Array;
}

export interface UpdateCustomerParams {
  name?: string;
  email?: string;
  avatar?: string;
  /** Sent as LiveChat's list of single-key objects. */
  sessionFields?: Record<string, string>;
}

export interface GetChatParams {
  chatId: string;
  threadId?: string;
}

export interface ListChatsParams {
  /** 1–25; LiveChat's default is 10. */
  limit?: number;
  pageId?: string;
  sortOrder?: 'asc' | 'desc';
}

export interface DeleteEventParams {
  chatId: string;
  threadId: string;
  eventId: string;
}

export interface MarkEventsAsSeenParams {
  chatId: string;
  /** RFC 3339 string or a Date. */
  seenUpTo: string | Date;
}
