import {
  Chat,
  ChatAccess,
  ChatEvent,
  ChatThread,
  ChatUser,
  CustomerEventInput,
  LiveChatProperties,
} from './customer-chat.types';
import {
  asRecord,
  JsonRecord,
  numberArray,
  optBoolean,
  optNumber,
  optString,
  recordArray,
  stringArray,
} from './livechat-parse.util';

/** camelCase input → the API's snake_case event object. */
export function toApiEvent(event: CustomerEventInput): JsonRecord {
  const out: JsonRecord = { type: event.type };
  if (event.customId !== undefined) {
    out.custom_id = event.customId;
  }
  if (event.properties !== undefined) {
    out.properties = event.properties;
  }
  switch (event.type) {
    case 'message':
      out.text = event.text;
      break;
    case 'file':
      out.url = event.url;
      if (event.alternativeText !== undefined) {
        out.alternative_text = event.alternativeText;
      }
      break;
    case 'system_message':
      out.text = event.text;
      out.system_message_type = event.systemMessageType;
      break;
  }
  return out;
}

export function toProperties(value: unknown): LiveChatProperties | undefined {
  const record = asRecord(value);
  if (record === undefined) {
    return undefined;
  }
  const out: LiveChatProperties = {};
  for (const [namespace, props] of Object.entries(record)) {
    const inner = asRecord(props);
    if (inner !== undefined) {
      out[namespace] = { ...inner };
    }
  }
  return out;
}

function toStringMap(value: unknown): Record<string, string> | undefined {
  const record = asRecord(value);
  if (record === undefined) {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(record)) {
    if (typeof v === 'string') {
      out[key] = v;
    }
  }
  return out;
}

/** LiveChat sends session fields as `[{key: value}, ...]`. */
export function fromSessionFields(value: unknown): Record<string, string> | undefined {
  if (!Array.isArray(value)) {
    return toStringMap(value);
  }
  const out: Record<string, string> = {};
  for (const item of recordArray(value)) {
    for (const [key, v] of Object.entries(item)) {
      if (typeof v === 'string') {
        out[key] = v;
      }
    }
  }
  return out;
}

export function toSessionFields(fields: Record<string, string>): Array<Record<string, string>> {
  return Object.entries(fields).map(([key, value]) => ({ [key]: value }));
}

/** Returns undefined when the record lacks an id or type (callers decide if that is fatal). */
export function toChatEvent(value: unknown): ChatEvent | undefined {
  const r = asRecord(value);
  const id = optString(r, 'id');
  const type = optString(r, 'type');
  if (r === undefined || id === undefined || type === undefined) {
    return undefined;
  }
  const event: ChatEvent = { id, type };
  assign(event, 'customId', optString(r, 'custom_id'));
  assign(event, 'authorId', optString(r, 'author_id'));
  assign(event, 'createdAt', optString(r, 'created_at'));
  assign(event, 'visibility', optString(r, 'visibility'));
  assign(event, 'text', optString(r, 'text'));
  assign(event, 'url', optString(r, 'url'));
  assign(event, 'name', optString(r, 'name'));
  assign(event, 'contentType', optString(r, 'content_type'));
  assign(event, 'size', optNumber(r, 'size'));
  assign(event, 'width', optNumber(r, 'width'));
  assign(event, 'height', optNumber(r, 'height'));
  assign(event, 'thumbnailUrl', optString(r, 'thumbnail_url'));
  assign(event, 'alternativeText', optString(r, 'alternative_text'));
  assign(event, 'systemMessageType', optString(r, 'system_message_type'));
  assign(event, 'textVars', toStringMap(r.text_vars));
  assign(event, 'templateId', optString(r, 'template_id'));
  if (Array.isArray(r.elements)) {
    event.elements = r.elements;
  }
  if (r.postback !== undefined) {
    event.postback = r.postback;
  }
  if (r.content !== undefined) {
    event.content = r.content;
  }
  if (Array.isArray(r.fields)) {
    event.fields = r.fields;
  }
  assign(event, 'properties', toProperties(r.properties));
  assign(event, 'deleted', optBoolean(r, 'deleted'));
  return event;
}

export function toChatEvents(value: unknown): ChatEvent[] {
  return Array.isArray(value)
    ? value.map(toChatEvent).filter((e): e is ChatEvent => e !== undefined)
    : [];
}

export function toChatUser(value: unknown): ChatUser | undefined {
  const r = asRecord(value);
  const id = optString(r, 'id');
  if (r === undefined || id === undefined) {
    return undefined;
  }
  const user: ChatUser = { id, type: optString(r, 'type') ?? 'unknown' };
  assign(user, 'name', optString(r, 'name'));
  assign(user, 'email', optString(r, 'email'));
  assign(user, 'avatar', optString(r, 'avatar'));
  assign(user, 'present', optBoolean(r, 'present'));
  assign(user, 'eventsSeenUpTo', optString(r, 'events_seen_up_to'));
  assign(user, 'sessionFields', fromSessionFields(r.session_fields));
  return user;
}

export function toChatUsers(value: unknown): ChatUser[] {
  return Array.isArray(value)
    ? value.map(toChatUser).filter((u): u is ChatUser => u !== undefined)
    : [];
}

export function toAccess(value: unknown): ChatAccess | undefined {
  const r = asRecord(value);
  return r === undefined ? undefined : { groupIds: numberArray(r.group_ids) };
}

export function toChatThread(value: unknown): ChatThread | undefined {
  const r = asRecord(value);
  const id = optString(r, 'id');
  if (r === undefined || id === undefined) {
    return undefined;
  }
  const thread: ChatThread = {
    id,
    active: optBoolean(r, 'active') ?? false,
    userIds: stringArray(r.user_ids),
    events: toChatEvents(r.events),
  };
  assign(thread, 'createdAt', optString(r, 'created_at'));
  assign(thread, 'properties', toProperties(r.properties));
  assign(thread, 'access', toAccess(r.access));
  assign(thread, 'previousThreadId', optString(r, 'previous_thread_id'));
  assign(thread, 'nextThreadId', optString(r, 'next_thread_id'));
  return thread;
}

export function toChat(value: unknown): Chat | undefined {
  const r = asRecord(value);
  const id = optString(r, 'id');
  if (r === undefined || id === undefined) {
    return undefined;
  }
  const chat: Chat = { id, users: toChatUsers(r.users) };
  assign(chat, 'properties', toProperties(r.properties));
  assign(chat, 'access', toAccess(r.access));
  assign(chat, 'thread', toChatThread(r.thread));
  return chat;
}

/** Sets only defined values, so results carry no `key: undefined` noise. */
function assign<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) {
    target[key] = value;
  }
}
