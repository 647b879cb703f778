import { createHash, timingSafeEqual } from 'node:crypto';
import {
  toAccess,
  toChatEvent,
  toChatThread,
  toChatUsers,
  toProperties,
} from './livechat-mapping.util';
import { asRecord, JsonRecord, optNumber, optString, stringArray } from './livechat-parse.util';
import {
  LiveChatAppWebhook,
  LiveChatWebhook,
  LiveChatWebhookAdditionalData,
  ParseResult,
} from './livechat-webhook.types';

/**
 * Constant-time comparison of a webhook `secret_key`. Both sides are hashed first so the compare
 * has a fixed length and leaks neither content nor length.
 */
export function secretKeyMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given === '' || expected === '') {
    return false;
  }
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Validates a v3.6 chat webhook envelope and the payloads we act on. Never throws: malformed input
 * yields `{ ok: false, reason }` (reasons name fields, never values), unknown actions pass through.
 */
export function parseLiveChatWebhook(body: unknown): ParseResult<LiveChatWebhook> {
  const root = asRecord(body);
  if (root === undefined) {
    return fail('body is not a JSON object');
  }
  const webhookId = optString(root, 'webhook_id');
  const secretKey = optString(root, 'secret_key');
  const action = optString(root, 'action');
  const organizationId = optString(root, 'organization_id');
  const payload = asRecord(root.payload);
  if (webhookId === undefined) {
    return fail('missing webhook_id');
  }
  if (secretKey === undefined) {
    return fail('missing secret_key');
  }
  if (action === undefined || action === '') {
    return fail('missing action');
  }
  if (organizationId === undefined) {
    return fail('missing organization_id');
  }
  if (payload === undefined) {
    return fail('missing payload');
  }

  const base: {
    webhookId: string;
    secretKey: string;
    organizationId: string;
    additionalData?: LiveChatWebhookAdditionalData;
  } = { webhookId, secretKey, organizationId };
  const additional = toAdditionalData(root.additional_data);
  if (additional !== undefined) {
    base.additionalData = additional;
  }

  switch (action) {
    case 'incoming_event':
    case 'event_updated': {
      const chatId = optString(payload, 'chat_id');
      const threadId = optString(payload, 'thread_id');
      const event = toChatEvent(payload.event);
      if (chatId === undefined) {
        return fail(`${action}: missing payload.chat_id`);
      }
      if (threadId === undefined) {
        return fail(`${action}: missing payload.thread_id`);
      }
      if (event === undefined) {
        return fail(`${action}: payload.event needs id and type`);
      }
      return ok({ ...base, action, payload: { chatId, threadId, event } });
    }
    case 'incoming_chat': {
      const chat = asRecord(payload.chat);
      const id = optString(chat, 'id');
      if (chat === undefined || id === undefined) {
        return fail('incoming_chat: missing payload.chat.id');
      }
      const parsedChat: Extract<LiveChatWebhook, { action: 'incoming_chat' }>['payload']['chat'] = {
        id,
        users: toChatUsers(chat.users),
      };
      const properties = toProperties(chat.properties);
      const access = toAccess(chat.access);
      const thread = toChatThread(chat.thread);
      if (properties !== undefined) {
        parsedChat.properties = properties;
      }
      if (access !== undefined) {
        parsedChat.access = access;
      }
      if (thread !== undefined) {
        parsedChat.thread = thread;
      }
      const result: Extract<LiveChatWebhook, { action: 'incoming_chat' }>['payload'] = {
        chat: parsedChat,
      };
      if (payload.transferred_from !== undefined) {
        result.transferredFrom = payload.transferred_from;
      }
      return ok({ ...base, action, payload: result });
    }
    case 'chat_deactivated': {
      const chatId = optString(payload, 'chat_id');
      const threadId = optString(payload, 'thread_id');
      if (chatId === undefined) {
        return fail('chat_deactivated: missing payload.chat_id');
      }
      if (threadId === undefined) {
        return fail('chat_deactivated: missing payload.thread_id');
      }
      const userId = optString(payload, 'user_id');
      return ok({
        ...base,
        action,
        payload: userId !== undefined ? { chatId, threadId, userId } : { chatId, threadId },
      });
    }
    case 'event_deleted': {
      const chatId = optString(payload, 'chat_id');
      const threadId = optString(payload, 'thread_id');
      const eventId = optString(payload, 'event_id');
      if (chatId === undefined) {
        return fail('event_deleted: missing payload.chat_id');
      }
      if (threadId === undefined) {
        return fail('event_deleted: missing payload.thread_id');
      }
      if (eventId === undefined) {
        return fail('event_deleted: missing payload.event_id');
      }
      return ok({ ...base, action, payload: { chatId, threadId, eventId } });
    }
    case 'events_marked_as_seen': {
      const userId = optString(payload, 'user_id');
      const chatId = optString(payload, 'chat_id');
      const seenUpTo = optString(payload, 'seen_up_to');
      if (userId === undefined) {
        return fail('events_marked_as_seen: missing payload.user_id');
      }
      if (chatId === undefined) {
        return fail('events_marked_as_seen: missing payload.chat_id');
      }
      if (seenUpTo === undefined) {
        return fail('events_marked_as_seen: missing payload.seen_up_to');
      }
      return ok({ ...base, action, payload: { userId, chatId, seenUpTo } });
    }
    default:
      return ok({ ...base, action: 'unknown', rawAction: action, payload: { ...payload } });
  }
}

/**
 * Validates an App webhook (`application_installed`, `application_uninstalled`, others as
 * `unknown`). These carry no secret: treat them as a trigger to re-verify, not as proof.
 */
export function parseLiveChatAppWebhook(body: unknown): ParseResult<LiveChatAppWebhook> {
  const root = asRecord(body);
  if (root === undefined) {
    return fail('body is not a JSON object');
  }
  const rawEvent = optString(root, 'event');
  const clientId = optString(root, 'clientID');
  const organizationId = optString(root, 'organizationID');
  if (rawEvent === undefined || rawEvent === '') {
    return fail('missing event');
  }
  if (clientId === undefined) {
    return fail('missing clientID');
  }
  if (organizationId === undefined) {
    return fail('missing organizationID');
  }
  const webhook: LiveChatAppWebhook = {
    event:
      rawEvent === 'application_installed' || rawEvent === 'application_uninstalled'
        ? rawEvent
        : 'unknown',
    rawEvent,
    clientId,
    organizationId,
  };
  const licenseId = optNumber(root, 'licenseID') ?? numericString(optString(root, 'licenseID'));
  const applicationId = optString(root, 'applicationID');
  const applicationName = optString(root, 'applicationName');
  const date = optString(root, 'date');
  const userId = optString(root, 'userID');
  const payload = asRecord(root.payload);
  if (licenseId !== undefined) {
    webhook.licenseId = licenseId;
  }
  if (applicationId !== undefined) {
    webhook.applicationId = applicationId;
  }
  if (applicationName !== undefined) {
    webhook.applicationName = applicationName;
  }
  if (date !== undefined) {
    webhook.date = date;
  }
  if (userId !== undefined) {
    webhook.userId = userId;
  }
  if (payload !== undefined) {
    webhook.payload = { ...payload };
  }
  return { ok: true, webhook };
}

function toAdditionalData(value: unknown): LiveChatWebhookAdditionalData | undefined {
  const record: JsonRecord | undefined = asRecord(value);
  if (record === undefined) {
    return undefined;
  }
  const out: LiveChatWebhookAdditionalData = {};
  const properties = toProperties(record.chat_properties);
  if (properties !== undefined) {
    out.chatProperties = properties;
  }
  if (Array.isArray(record.chat_presence_user_ids)) {
    out.chatPresenceUserIds = stringArray(record.chat_presence_user_ids);
  }
  return out;
}

function numericString(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) {
    return undefined;
  }
  return Number(value);
}

function ok<T>(webhook: T): ParseResult<T> {
  return { ok: true, webhook };
}

function fail<T>(reason: string): ParseResult<T> {
  return { ok: false, reason };
}
