import { randomBytes } from 'node:crypto';
import { EmulatorCore, RouteContext, RouteResult } from './emulator-core';
import {
  EmulatorChat,
  EmulatorCustomer,
  EmulatorEvent,
  EmulatorThread,
  isChatActive,
  lastThread,
} from './emulator-state';
import {
  chatJson,
  chatSummaryJson,
  eventJson,
  sessionFieldsJson,
  threadJson,
} from './emulator-views';
import { isObject, JsonObject } from '../shared/http-toolkit';
import { chatError } from './livechat-errors';
import { parseMultipart } from './multipart.util';

export const MAX_TEXT_BYTES = 16 * 1024;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
const FILE_URL_TTL_MS = 24 * 60 * 60 * 1000;

export const CUSTOMER_METHODS = [
  'start_chat',
  'resume_chat',
  'send_event',
  'upload_file',
  'update_customer',
  'set_customer_session_fields',
  'get_customer',
  'get_chat',
  'list_chats',
  'list_threads',
  'deactivate_chat',
  'delete_event',
  'mark_events_as_seen',
] as const;

interface CustomerCall {
  core: EmulatorCore;
  ctx: RouteContext;
  customer: EmulatorCustomer;
  organizationId: string;
}

/** Matches `/v<version>/customer/action/<method>`. */
export function customerRoute(path: string): { version: string; method: string } | undefined {
  const match = /^\/v([^/]+)\/customer\/action\/([a-z_]+)$/.exec(path);
  return match === null ? undefined : { version: match[1], method: match[2] };
}

export function handleCustomerChat(
  core: EmulatorCore,
  version: string,
  method: string,
  ctx: RouteContext,
): RouteResult {
  if (version !== core.settings.apiVersion) {
    throw chatError(400, 'unsupported_version', `Version ${version} is not supported`);
  }
  if (method === 'get_dynamic_configuration' && ctx.method === 'GET') {
    return dynamicConfiguration(core, ctx);
  }
  if (!(CUSTOMER_METHODS as readonly string[]).includes(method)) {
    throw chatError(404, 'not_found', 'Unknown method');
  }
  if (ctx.method !== 'POST') {
    throw chatError(405, 'validation', 'Use POST');
  }
  const organizationId = ctx.query.get('organization_id');
  if (organizationId === null || organizationId === '') {
    throw chatError(400, 'validation', 'organization_id query parameter is required');
  }
  const organization = core.state.organization(organizationId);
  if (organization === undefined) {
    throw chatError(404, 'license_not_found', 'Organization not found');
  }
  const token = core.state.validCustomerToken(ctx.bearer);
  if (token === undefined) {
    throw chatError(401, 'authentication', 'Invalid access token');
  }
  if (token.organizationId !== organizationId) {
    throw chatError(403, 'authorization', 'Token belongs to another organization');
  }
  const customer = core.state.customer(token.entityId);
  if (customer === undefined) {
    throw chatError(401, 'authentication', 'Customer does not exist');
  }
  if (organization.licenseExpired) {
    throw chatError(402, 'license_expired', 'License expired');
  }
  if (customer.banned) {
    throw chatError(403, 'customer_banned', 'Customer is banned');
  }
  if (method !== 'upload_file' && !ctx.bodyValid) {
    throw chatError(400, 'validation', 'Request body must be a JSON object');
  }
  const call: CustomerCall = { core, ctx, customer, organizationId };
  switch (method) {
    case 'start_chat':
      return startChat(call);
    case 'resume_chat':
      return resumeChat(call);
    case 'send_event':
      return sendEvent(call);
    case 'upload_file':
      return uploadFile(call);
    case 'update_customer':
      return updateCustomer(call);
    case 'set_customer_session_fields':
      return setSessionFields(call);
    case 'get_customer':
      return getCustomer(call);
    case 'get_chat':
      return getChat(call);
    case 'list_chats':
      return listChats(call);
    case 'list_threads':
      return listThreads(call);
    case 'deactivate_chat':
      return deactivateChat(call);
    case 'delete_event':
      return deleteEvent(call);
    default:
      return markEventsAsSeen(call);
  }
}

// ---- validation helpers ----

function requireString(body: JsonObject, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') {
    throw chatError(400, 'validation', `${key} is required`);
  }
  return value;
}

function ownChat(call: CustomerCall, chatId: string): EmulatorChat {
  const chat = call.core.state.chat(chatId);
  if (chat === undefined || chat.customerId !== call.customer.id) {
    throw chatError(404, 'not_found', 'Chat not found');
  }
  return chat;
}

type NewEvent = Omit<EmulatorEvent, 'id' | 'createdAt' | 'deleted'>;

/** Validates a customer event as LiveChat does and returns what to store. */
function toNewEvent(call: CustomerCall, value: unknown): NewEvent {
  if (!isObject(value)) {
    throw chatError(400, 'validation', 'event must be an object');
  }
  const type = value.type;
  if (typeof type !== 'string') {
    throw chatError(400, 'validation', 'event.type is required');
  }
  const base: NewEvent = { type, authorId: call.customer.id, visibility: 'all' };
  if (value.custom_id !== undefined) {
    if (typeof value.custom_id !== 'string') {
      throw chatError(400, 'validation', 'custom_id must be a string');
    }
    base.customId = value.custom_id;
  }
  if (value.properties !== undefined) {
    if (!isObject(value.properties)) {
      throw chatError(400, 'validation', 'properties must be an object');
    }
    base.properties = value.properties;
  }
  switch (type) {
    case 'message': {
      const text = value.text;
      if (typeof text !== 'string' || text === '') {
        throw chatError(400, 'validation', 'event.text is required');
      }
      if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) {
        throw chatError(400, 'validation', 'event.text exceeds 16 KB');
      }
      return { ...base, text };
    }
    case 'file': {
      const url = value.url;
      if (typeof url !== 'string' || url === '') {
        throw chatError(400, 'validation', 'event.url is required');
      }
      const file = call.core.state.fileByUrl(url);
      if (file === undefined || file.organizationId !== call.organizationId) {
        throw chatError(400, 'validation', 'event.url must be a LiveChat CDN url from upload_file');
      }
      if (!file.used && file.uploadedAt + FILE_URL_TTL_MS <= call.core.state.now()) {
        throw chatError(400, 'validation', 'file url expired');
      }
      const out: NewEvent = {
        ...base,
        url,
        name: file.name,
        contentType: file.contentType,
        size: file.data.length,
      };
      if (typeof value.alternative_text === 'string') {
        out.alternativeText = value.alternative_text;
      }
      return out;
    }
    case 'system_message': {
      const systemType = value.system_message_type;
      if (typeof systemType !== 'string' || systemType === '') {
        throw chatError(400, 'validation', 'event.system_message_type is required');
      }
      const out: NewEvent = { ...base, systemMessageType: systemType };
      if (typeof value.text === 'string') {
        out.text = value.text;
      }
      return out;
    }
    case 'rich_message':
    case 'custom':
    case 'filled_form': {
      const extra: JsonObject = {};
      for (const key of ['template_id', 'elements', 'content', 'fields', 'postback']) {
        if (value[key] !== undefined) {
          extra[key] = value[key];
        }
      }
      return { ...base, extra };
    }
    default:
      throw chatError(400, 'validation', `Unsupported event type ${type}`);
  }
}

function markFileUsed(call: CustomerCall, event: EmulatorEvent): void {
  if (event.url !== undefined) {
    const file = call.core.state.fileByUrl(event.url);
    if (file !== undefined) {
      file.used = true;
    }
  }
}

function eventsOf(call: CustomerCall, thread: unknown): NewEvent[] {
  if (thread === undefined) {
    return [];
  }
  if (!isObject(thread)) {
    throw chatError(400, 'validation', 'chat.thread must be an object');
  }
  if (thread.events === undefined) {
    return [];
  }
  if (!Array.isArray(thread.events)) {
    throw chatError(400, 'validation', 'chat.thread.events must be an array');
  }
  return thread.events.map((e) => toNewEvent(call, e));
}

function groupIdsOf(call: CustomerCall, access: unknown, fallback: number[]): number[] {
  if (access === undefined) {
    return fallback;
  }
  if (!isObject(access) || !Array.isArray(access.group_ids)) {
    throw chatError(400, 'validation', 'chat.access.group_ids must be an array');
  }
  const groups = access.group_ids.filter((g): g is number => typeof g === 'number');
  const organization = call.core.state.requireOrganization(call.organizationId);
  for (const group of groups) {
    if (!organization.groups.some((g) => g.id === group)) {
      throw chatError(400, 'group_not_found', `Group ${group} not found`);
    }
  }
  return groups.length > 0 ? groups : fallback;
}

function checkRouting(call: CustomerCall, continuous: boolean): void {
  if (!continuous && !call.core.state.requireOrganization(call.organizationId).groupsOnline) {
    throw chatError(400, 'groups_offline', 'No group is online');
  }
}

function fire(
  call: CustomerCall,
  action: string,
  payload: JsonObject,
  chat: EmulatorChat,
  authorType?: 'customer',
): void {
  call.core.webhooks.dispatchInBackground(call.organizationId, action, payload, {
    chat,
    authorType,
    sourceType: 'my_client',
  });
}

function fireIncomingChat(call: CustomerCall, chat: EmulatorChat, thread: EmulatorThread): void {
  fire(call, 'incoming_chat', { chat: chatJson(call.core.state, chat, thread, 'agent') }, chat);
}

function addAll(call: CustomerCall, thread: EmulatorThread, events: NewEvent[]): EmulatorEvent[] {
  return events.map((e) => {
    const stored = call.core.state.addEvent(thread, e);
    markFileUsed(call, stored);
    return stored;
  });
}

// ---- methods ----

function startChat(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  const chatInput = body.chat === undefined ? {} : body.chat;
  if (!isObject(chatInput)) {
    throw chatError(400, 'validation', 'chat must be an object');
  }
  const organization = call.core.state.requireOrganization(call.organizationId);
  const groupIds = groupIdsOf(call, chatInput.access, [organization.groups[0]?.id ?? 0]);
  const events = eventsOf(call, chatInput.thread);
  const continuous = body.continuous === true;
  checkRouting(call, continuous);
  // UNCONFIRMED upstream error type; one active chat per customer is documented.
  if (call.core.state.activeChatOf(call.customer.id) !== undefined) {
    throw chatError(400, 'validation', 'Customer already has an active chat');
  }
  const properties = chatInput.properties;
  if (
    properties !== undefined &&
    (!isObject(properties) || !Object.values(properties).every(isObject))
  ) {
    throw chatError(400, 'validation', 'chat.properties must map namespaces to objects');
  }
  const chat = call.core.state.createChat({
    organizationId: call.organizationId,
    customerId: call.customer.id,
    groupIds,
    properties: properties as Record<string, Record<string, unknown>> | undefined,
  });
  const threadInput = isObject(chatInput.thread) ? chatInput.thread : {};
  const thread = call.core.state.openThread(chat, {
    active: body.active !== false,
    properties: isObject(threadInput.properties) ? threadInput.properties : {},
  });
  const stored = addAll(call, thread, events);
  fireIncomingChat(call, chat, thread);
  const out: JsonObject = { chat_id: chat.id, thread_id: thread.id };
  if (stored.length > 0) {
    out.event_ids = stored.map((e) => e.id);
  }
  return { status: 200, json: out };
}

function resumeChat(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  if (!isObject(body.chat)) {
    throw chatError(400, 'validation', 'chat is required');
  }
  const chat = ownChat(call, requireString(body.chat, 'id'));
  const events = eventsOf(call, body.chat.thread);
  checkRouting(call, body.continuous === true);
  if (isChatActive(chat)) {
    throw chatError(400, 'validation', 'Chat is already active');
  }
  if (call.core.state.activeChatOf(call.customer.id) !== undefined) {
    throw chatError(400, 'validation', 'Customer already has an active chat');
  }
  chat.groupIds = groupIdsOf(call, body.chat.access, chat.groupIds);
  const properties = body.chat.properties;
  if (properties !== undefined) {
    if (!isObject(properties) || !Object.values(properties).every(isObject)) {
      throw chatError(400, 'validation', 'chat.properties must map namespaces to objects');
    }
    // Resuming with properties sets them on the chat (per namespace, per property).
    for (const [namespace, values] of Object.entries(properties)) {
      chat.properties[namespace] = {
        ...(chat.properties[namespace] ?? {}),
        ...(values as Record<string, unknown>),
      };
    }
  }
  const threadInput = isObject(body.chat.thread) ? body.chat.thread : {};
  const thread = call.core.state.openThread(chat, {
    active: body.active !== false,
    properties: isObject(threadInput.properties) ? threadInput.properties : {},
  });
  const stored = addAll(call, thread, events);
  fireIncomingChat(call, chat, thread);
  const out: JsonObject = { thread_id: thread.id };
  if (stored.length > 0) {
    out.event_ids = stored.map((e) => e.id);
  }
  return { status: 200, json: out };
}

function sendEvent(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  const chat = ownChat(call, requireString(body, 'chat_id'));
  if (body.event === undefined) {
    throw chatError(400, 'validation', 'event is required');
  }
  const event = toNewEvent(call, body.event);
  const thread = lastThread(chat);
  if (thread === undefined) {
    throw chatError(400, 'chat_inactive', 'Chat has no thread');
  }
  if (!thread.active && body.attach_to_last_thread !== true) {
    throw chatError(400, 'chat_inactive', 'Chat is inactive');
  }
  const [stored] = addAll(call, thread, [event]);
  fire(
    call,
    'incoming_event',
    { chat_id: chat.id, thread_id: thread.id, event: eventJson(stored) },
    chat,
    'customer',
  );
  return { status: 200, json: { event_id: stored.id } };
}

function uploadFile(call: CustomerCall): RouteResult {
  const parts = parseMultipart(call.ctx.raw, call.ctx.contentType);
  const file = parts?.find((p) => p.name === 'file' && p.filename !== undefined);
  if (file === undefined) {
    throw chatError(400, 'validation', 'multipart field "file" is required');
  }
  if (file.data.length > MAX_FILE_BYTES) {
    throw chatError(413, 'entity_too_large', 'File exceeds 10 MB');
  }
  const name = file.filename ?? 'file';
  if (/\.(exe|bat|cmd|com|msi|scr)$/i.test(name)) {
    throw chatError(400, 'validation', 'Executable files are not allowed');
  }
  const organization = call.core.state.requireOrganization(call.organizationId);
  const path = `/cdn/api/file/lc/att/${organization.licenseId}/${randomBytes(12).toString('hex')}/${encodeURIComponent(name)}`;
  const url = `${call.ctx.baseUrl}${path}`;
  call.core.state.addFile({
    path,
    url,
    name,
    contentType: file.contentType ?? 'application/octet-stream',
    data: Buffer.from(file.data),
    organizationId: call.organizationId,
    uploadedAt: call.core.state.now(),
    used: false,
  });
  return { status: 200, json: { url } };
}

function readSessionFields(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) {
    throw chatError(400, 'validation', 'session_fields must be an array');
  }
  const out: Record<string, string> = {};
  for (const item of value) {
    if (!isObject(item) || Object.keys(item).length !== 1) {
      throw chatError(400, 'validation', 'session_fields items must be single-key objects');
    }
    const [key, fieldValue] = Object.entries(item)[0];
    if (typeof fieldValue !== 'string') {
      throw chatError(400, 'validation', 'session field values must be strings');
    }
    out[key] = fieldValue;
  }
  return out;
}

function applySessionFields(call: CustomerCall, fields: Record<string, string>): void {
  const merged = { ...call.customer.sessionFields, ...fields };
  if (Object.keys(merged).length > 100) {
    throw chatError(400, 'validation', 'At most 100 session fields');
  }
  call.customer.sessionFields = merged;
  const chat = call.core.state.activeChatOf(call.customer.id);
  const thread = chat === undefined ? undefined : lastThread(chat);
  if (chat !== undefined && thread !== undefined) {
    fire(
      call,
      'customer_session_fields_updated',
      {
        id: call.customer.id,
        chat_id: chat.id,
        thread_id: thread.id,
        session_fields: sessionFieldsJson(call.customer.sessionFields),
      },
      chat,
    );
  }
}

function updateCustomer(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  const known = ['name', 'email', 'avatar', 'session_fields'].filter((k) => body[k] !== undefined);
  if (known.length === 0) {
    throw chatError(400, 'validation', 'At least one field is required');
  }
  for (const key of ['name', 'email', 'avatar'] as const) {
    const value = body[key];
    if (value === undefined) {
      continue;
    }
    if (typeof value !== 'string') {
      throw chatError(400, 'validation', `${key} must be a string`);
    }
    call.customer[key] = value;
  }
  if (body.session_fields !== undefined) {
    applySessionFields(call, readSessionFields(body.session_fields));
  }
  return { status: 200, json: {} };
}

function setSessionFields(call: CustomerCall): RouteResult {
  if (call.ctx.body.session_fields === undefined) {
    throw chatError(400, 'validation', 'session_fields is required');
  }
  applySessionFields(call, readSessionFields(call.ctx.body.session_fields));
  return { status: 200, json: {} };
}

function getCustomer(call: CustomerCall): RouteResult {
  const c = call.customer;
  const out: JsonObject = {
    id: c.id,
    type: 'customer',
    session_fields: sessionFieldsJson(c.sessionFields),
  };
  if (c.name !== undefined) {
    out.name = c.name;
  }
  if (c.email !== undefined) {
    out.email = c.email;
  }
  if (c.avatar !== undefined) {
    out.avatar = c.avatar;
  }
  return { status: 200, json: out };
}

function getChat(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  const chat = ownChat(call, requireString(body, 'chat_id'));
  let thread = lastThread(chat);
  if (body.thread_id !== undefined) {
    thread = chat.threads.find((t) => t.id === body.thread_id);
    if (thread === undefined) {
      throw chatError(404, 'not_found', 'Thread not found');
    }
  }
  return { status: 200, json: chatJson(call.core.state, chat, thread, 'customer') };
}

function pageOffset(pageId: unknown): number {
  if (pageId === undefined) {
    return 0;
  }
  if (typeof pageId !== 'string') {
    throw chatError(400, 'validation', 'page_id must be a string');
  }
  const decoded = Number(Buffer.from(pageId, 'base64url').toString('utf8'));
  if (!Number.isInteger(decoded) || decoded < 0) {
    throw chatError(400, 'validation', 'Invalid page_id');
  }
  return decoded;
}

function pageIdOf(offset: number): string {
  return Buffer.from(String(offset), 'utf8').toString('base64url');
}

function readLimit(value: unknown, max: number): number {
  if (value === undefined) {
    return 10;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw chatError(400, 'validation', `limit must be between 1 and ${max}`);
  }
  return value;
}

function listChats(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  const limit = readLimit(body.limit, 25);
  const offset = pageOffset(body.page_id);
  const order = body.sort_order === 'asc' ? 1 : -1;
  const created = (c: EmulatorChat): string => lastThread(c)?.createdAt ?? c.createdAt;
  const chats = call.core.state
    .chatsOfCustomer(call.customer.id)
    .sort((a, b) => order * created(a).localeCompare(created(b)));
  const page = chats.slice(offset, offset + limit);
  const out: JsonObject = {
    chats_summary: page.map((c) => chatSummaryJson(call.core.state, c)),
    total_chats: chats.length,
  };
  if (offset + limit < chats.length) {
    out.next_page_id = pageIdOf(offset + limit);
  }
  if (offset > 0) {
    out.previous_page_id = pageIdOf(Math.max(0, offset - limit));
  }
  return { status: 200, json: out };
}

function listThreads(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  const chat = ownChat(call, requireString(body, 'chat_id'));
  const limit = readLimit(body.limit, 100);
  const offset = pageOffset(body.page_id);
  const threads = [...chat.threads].reverse();
  const out: JsonObject = {
    threads: threads.slice(offset, offset + limit).map((t) => threadJson(chat, t, 'customer')),
    found_threads: threads.length,
  };
  if (offset + limit < threads.length) {
    out.next_page_id = pageIdOf(offset + limit);
  }
  return { status: 200, json: out };
}

function deactivateChat(call: CustomerCall): RouteResult {
  const chat = ownChat(call, requireString(call.ctx.body, 'id'));
  const thread = lastThread(chat);
  if (thread === undefined || !thread.active) {
    throw chatError(400, 'chat_inactive', 'Chat is already inactive');
  }
  const notice = call.core.state.addEvent(thread, {
    type: 'system_message',
    systemMessageType: 'manual_archived_customer',
    text: 'Chat closed by the customer',
    visibility: 'all',
  });
  thread.active = false;
  call.core.webhooks.dispatchInBackground(
    call.organizationId,
    'incoming_event',
    { chat_id: chat.id, thread_id: thread.id, event: eventJson(notice) },
    { chat, sourceType: 'system' },
  );
  fire(
    call,
    'chat_deactivated',
    { chat_id: chat.id, thread_id: thread.id, user_id: call.customer.id },
    chat,
  );
  return { status: 200, json: {} };
}

function deleteEvent(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  const chat = ownChat(call, requireString(body, 'chat_id'));
  const threadId = requireString(body, 'thread_id');
  const eventId = requireString(body, 'event_id');
  const thread = chat.threads.find((t) => t.id === threadId);
  const event = thread?.events.find((e) => e.id === eventId);
  if (thread === undefined || event === undefined || event.deleted) {
    throw chatError(404, 'not_found', 'Event not found');
  }
  // UNCONFIRMED upstream: assumed customers may delete only their own events.
  if (event.authorId !== call.customer.id) {
    throw chatError(403, 'authorization', 'Customers can delete only their own events');
  }
  event.deleted = true;
  fire(call, 'event_deleted', { chat_id: chat.id, thread_id: thread.id, event_id: event.id }, chat);
  return { status: 200, json: {} };
}

function markEventsAsSeen(call: CustomerCall): RouteResult {
  const body = call.ctx.body;
  const chat = ownChat(call, requireString(body, 'chat_id'));
  const seenUpTo = requireString(body, 'seen_up_to');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(seenUpTo)) {
    throw chatError(400, 'validation', 'seen_up_to must be RFC 3339');
  }
  const previous = call.customer.eventsSeenUpTo[chat.id];
  if (previous === undefined || Date.parse(previous) < Date.parse(seenUpTo)) {
    call.customer.eventsSeenUpTo[chat.id] = seenUpTo;
  }
  fire(
    call,
    'events_marked_as_seen',
    { user_id: call.customer.id, chat_id: chat.id, seen_up_to: seenUpTo },
    chat,
  );
  return { status: 200, json: {} };
}

function dynamicConfiguration(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const licenseId = Number(ctx.query.get('license_id'));
  const organization =
    core.state.organizationByLicense(licenseId) ??
    core.state.organization(ctx.query.get('organization_id') ?? '');
  if (organization === undefined) {
    throw chatError(404, 'license_not_found', 'License not found');
  }
  return {
    status: 200,
    json: {
      organization_id: organization.organizationId,
      group_id: organization.groups[0]?.id ?? 0,
      client_limit_exceeded: false,
      domain_allowed: true,
      online_groups_ids: organization.groupsOnline ? organization.groups.map((g) => g.id) : [],
      config_version: '1',
      localization_version: '1',
      language: 'en',
    },
  };
}
