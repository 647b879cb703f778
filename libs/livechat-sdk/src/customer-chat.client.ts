import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Chat,
  ChatSummary,
  DeleteEventParams,
  GetChatParams,
  ListChatsParams,
  ListChatsResult,
  MarkEventsAsSeenParams,
  ResumeChatParams,
  ResumeChatResult,
  SendEventParams,
  StartChatParams,
  StartChatResult,
  UpdateCustomerParams,
  UploadFileParams,
} from './customer-chat.types';
import {
  LIVECHAT_CLIENT_OPTIONS,
  LiveChatClientOptions,
  ResolvedLiveChatOptions,
  resolveLiveChatOptions,
} from './livechat-options.types';
import {
  toAccess,
  toApiEvent,
  toChat,
  toChatUsers,
  toProperties,
  toSessionFields,
} from './livechat-mapping.util';
import {
  asRecord,
  invalidResponse,
  JsonRecord,
  optBoolean,
  optNumber,
  optString,
  recordArray,
  requireRecord,
  requireString,
  stringArray,
} from './livechat-parse.util';
import { LiveChatTransport } from './livechat-transport.util';

/**
 * Customer Chat Web API (v3.6 by default), acting as a customer through a customer access token.
 * Every call names the organization, as the API requires `organization_id` on every request.
 */
@Injectable()
export class CustomerChatClient {
  private readonly logger = new Logger(CustomerChatClient.name);
  private readonly options: ResolvedLiveChatOptions;
  private readonly transport: LiveChatTransport;

  constructor(@Inject(LIVECHAT_CLIENT_OPTIONS) options: LiveChatClientOptions) {
    this.options = resolveLiveChatOptions(options);
    this.transport = new LiveChatTransport(this.options, this.logger);
  }

  async startChat(
    token: string,
    organizationId: string,
    params: StartChatParams,
  ): Promise<StartChatResult> {
    const chat: JsonRecord = {};
    if (params.groupId !== undefined) {
      chat.access = { group_ids: [params.groupId] };
    }
    if (params.properties !== undefined) {
      chat.properties = params.properties;
    }
    const thread: JsonRecord = {};
    if (params.events !== undefined && params.events.length > 0) {
      thread.events = params.events.map(toApiEvent);
    }
    if (params.threadProperties !== undefined) {
      thread.properties = params.threadProperties;
    }
    if (Object.keys(thread).length > 0) {
      chat.thread = thread;
    }
    const body = await this.call('start_chat', token, organizationId, {
      chat,
      active: params.active ?? true,
      continuous: params.continuous ?? true,
    });
    const record = requireRecord(body, 'start_chat');
    return {
      chatId: requireString(record, 'chat_id', 'start_chat'),
      threadId: requireString(record, 'thread_id', 'start_chat'),
      eventIds: stringArray(record.event_ids),
    };
  }

  async resumeChat(
    token: string,
    organizationId: string,
    params: ResumeChatParams,
  ): Promise<ResumeChatResult> {
    const chat: JsonRecord = { id: params.chatId };
    if (params.groupId !== undefined) {
      chat.access = { group_ids: [params.groupId] };
    }
    if (params.properties !== undefined) {
      chat.properties = params.properties;
    }
    const thread: JsonRecord = {};
    if (params.events !== undefined && params.events.length > 0) {
      thread.events = params.events.map(toApiEvent);
    }
    if (params.threadProperties !== undefined) {
      thread.properties = params.threadProperties;
    }
    if (Object.keys(thread).length > 0) {
      chat.thread = thread;
    }
    const body = await this.call('resume_chat', token, organizationId, {
      chat,
      active: params.active ?? true,
      continuous: params.continuous ?? true,
    });
    const record = requireRecord(body, 'resume_chat');
    return {
      threadId: requireString(record, 'thread_id', 'resume_chat'),
      eventIds: stringArray(record.event_ids),
    };
  }

  /** LiveChat returns no thread id here; track it from start/resume or the webhook echo. */
  async sendEvent(
    token: string,
    organizationId: string,
    params: SendEventParams,
  ): Promise<{ eventId: string }> {
    const request: JsonRecord = { chat_id: params.chatId, event: toApiEvent(params.event) };
    if (params.attachToLastThread !== undefined) {
      request.attach_to_last_thread = params.attachToLastThread;
    }
    const body = await this.call('send_event', token, organizationId, request);
    return { eventId: requireString(requireRecord(body, 'send_event'), 'event_id', 'send_event') };
  }

  /** The returned URL expires after 24 h unless used in a `file` event. */
  async uploadFile(
    token: string,
    organizationId: string,
    params: UploadFileParams,
  ): Promise<{ url: string }> {
    const form = new FormData();
    form.append('file', new Blob([params.data], { type: params.contentType }), params.fileName);
    const { body } = await this.transport.request({
      method: 'upload_file',
      httpMethod: 'POST',
      url: this.url('upload_file', organizationId),
      bearer: token,
      regional: true,
      multipart: form,
    });
    return { url: requireString(requireRecord(body, 'upload_file'), 'url', 'upload_file') };
  }

  async updateCustomer(
    token: string,
    organizationId: string,
    params: UpdateCustomerParams,
  ): Promise<void> {
    const request: JsonRecord = {};
    if (params.name !== undefined) {
      request.name = params.name;
    }
    if (params.email !== undefined) {
      request.email = params.email;
    }
    if (params.avatar !== undefined) {
      request.avatar = params.avatar;
    }
    if (params.sessionFields !== undefined) {
      request.session_fields = toSessionFields(params.sessionFields);
    }
    await this.call('update_customer', token, organizationId, request);
  }

  async setSessionFields(
    token: string,
    organizationId: string,
    sessionFields: Record<string, string>,
  ): Promise<void> {
    await this.call('set_customer_session_fields', token, organizationId, {
      session_fields: toSessionFields(sessionFields),
    });
  }

  async getChat(token: string, organizationId: string, params: GetChatParams): Promise<Chat> {
    const request: JsonRecord = { chat_id: params.chatId };
    if (params.threadId !== undefined) {
      request.thread_id = params.threadId;
    }
    const body = await this.call('get_chat', token, organizationId, request);
    const chat = toChat(body);
    if (chat === undefined) {
      throw invalidResponse('get_chat');
    }
    return chat;
  }

  async listChats(
    token: string,
    organizationId: string,
    params: ListChatsParams = {},
  ): Promise<ListChatsResult> {
    const request: JsonRecord = {};
    if (params.limit !== undefined) {
      request.limit = params.limit;
    }
    if (params.pageId !== undefined) {
      request.page_id = params.pageId;
    }
    if (params.sortOrder !== undefined) {
      request.sort_order = params.sortOrder;
    }
    const record = requireRecord(
      await this.call('list_chats', token, organizationId, request),
      'list_chats',
    );
    const summaries = recordArray(record.chats_summary).map(toChatSummary);
    const result: ListChatsResult = {
      chatsSummary: summaries.filter((s): s is ChatSummary => s !== undefined),
      totalChats: optNumber(record, 'total_chats') ?? summaries.length,
    };
    const next = optString(record, 'next_page_id');
    const previous = optString(record, 'previous_page_id');
    if (next !== undefined) {
      result.nextPageId = next;
    }
    if (previous !== undefined) {
      result.previousPageId = previous;
    }
    return result;
  }

  async deactivateChat(token: string, organizationId: string, chatId: string): Promise<void> {
    await this.call('deactivate_chat', token, organizationId, { id: chatId });
  }

  /** Soft delete (v3.6): gone for customers and normal agents; admins still see the original. */
  async deleteEvent(
    token: string,
    organizationId: string,
    params: DeleteEventParams,
  ): Promise<void> {
    await this.call('delete_event', token, organizationId, {
      chat_id: params.chatId,
      thread_id: params.threadId,
      event_id: params.eventId,
    });
  }

  async markEventsAsSeen(
    token: string,
    organizationId: string,
    params: MarkEventsAsSeenParams,
  ): Promise<void> {
    const seenUpTo =
      params.seenUpTo instanceof Date ? params.seenUpTo.toISOString() : params.seenUpTo;
    await this.call('mark_events_as_seen', token, organizationId, {
      chat_id: params.chatId,
      seen_up_to: seenUpTo,
    });
  }

  private url(method: string, organizationId: string): string {
    const query = new URLSearchParams({ organization_id: organizationId });
    return `${this.options.apiUrl}/v${this.options.apiVersion}/customer/action/${method}?${query.toString()}`;
  }

  private async call(
    method: string,
    token: string,
    organizationId: string,
    body: JsonRecord,
  ): Promise<unknown> {
    const response = await this.transport.request({
      method,
      httpMethod: 'POST',
      url: this.url(method, organizationId),
      bearer: token,
      regional: true,
      json: body,
    });
    return response.body;
  }
}

function toChatSummary(r: JsonRecord): ChatSummary | undefined {
  const id = optString(r, 'id');
  if (id === undefined) {
    return undefined;
  }
  const summary: ChatSummary = {
    id,
    active: optBoolean(r, 'active') ?? false,
    users: toChatUsers(r.users),
  };
  const lastThreadId = optString(r, 'last_thread_id');
  const lastThreadCreatedAt = optString(r, 'last_thread_created_at');
  const properties = toProperties(r.properties);
  const access = toAccess(asRecord(r.access));
  if (lastThreadId !== undefined) {
    summary.lastThreadId = lastThreadId;
  }
  if (lastThreadCreatedAt !== undefined) {
    summary.lastThreadCreatedAt = lastThreadCreatedAt;
  }
  if (properties !== undefined) {
    summary.properties = properties;
  }
  if (access !== undefined) {
    summary.access = access;
  }
  return summary;
}
