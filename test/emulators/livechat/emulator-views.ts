import {
  EmulatorChat,
  EmulatorCustomer,
  EmulatorEvent,
  EmulatorThread,
  LiveChatEmulatorState,
  isChatActive,
} from './emulator-state';
import { JsonObject } from '../shared/http-toolkit';

/** Who is looking: customers never see internal notes or deleted events. */
export type Viewer = 'customer' | 'agent';

export function eventJson(event: EmulatorEvent): JsonObject {
  const out: JsonObject = {
    id: event.id,
    type: event.type,
    created_at: event.createdAt,
    visibility: event.visibility,
  };
  if (event.customId !== undefined) {
    out.custom_id = event.customId;
  }
  if (event.authorId !== undefined) {
    out.author_id = event.authorId;
  }
  if (event.text !== undefined) {
    out.text = event.text;
  }
  if (event.url !== undefined) {
    out.url = event.url;
  }
  if (event.name !== undefined) {
    out.name = event.name;
  }
  if (event.contentType !== undefined) {
    out.content_type = event.contentType;
  }
  if (event.size !== undefined) {
    out.size = event.size;
  }
  if (event.width !== undefined) {
    out.width = event.width;
  }
  if (event.height !== undefined) {
    out.height = event.height;
  }
  if (event.alternativeText !== undefined) {
    out.alternative_text = event.alternativeText;
  }
  if (event.systemMessageType !== undefined) {
    out.system_message_type = event.systemMessageType;
  }
  if (event.properties !== undefined) {
    out.properties = event.properties;
  }
  if (event.extra !== undefined) {
    Object.assign(out, event.extra);
  }
  return out;
}

/** Agent view of a deleted event (normal-role agents see a placeholder). */
export function deletedEventJson(event: EmulatorEvent): JsonObject {
  const out: JsonObject = {
    id: event.id,
    type: event.type,
    deleted: true,
    created_at: event.createdAt,
  };
  if (event.customId !== undefined) {
    out.custom_id = event.customId;
  }
  if (event.authorId !== undefined) {
    out.author_id = event.authorId;
  }
  return out;
}

export function visibleEvents(thread: EmulatorThread, viewer: Viewer): JsonObject[] {
  return thread.events
    .filter((e) => viewer === 'agent' || (!e.deleted && e.visibility === 'all'))
    .map((e) => (e.deleted ? deletedEventJson(e) : eventJson(e)));
}

export function sessionFieldsJson(fields: Record<string, string>): Array<Record<string, string>> {
  return Object.entries(fields).map(([key, value]) => ({ [key]: value }));
}

export function customerUserJson(
  customer: EmulatorCustomer | undefined,
  chatId?: string,
): JsonObject {
  if (customer === undefined) {
    return { id: 'unknown', type: 'customer' };
  }
  const out: JsonObject = {
    id: customer.id,
    type: 'customer',
    present: true,
    created_at: customer.createdAt,
    session_fields: sessionFieldsJson(customer.sessionFields),
  };
  if (customer.name !== undefined) {
    out.name = customer.name;
  }
  if (customer.email !== undefined) {
    out.email = customer.email;
  }
  if (customer.avatar !== undefined) {
    out.avatar = customer.avatar;
  }
  const seen = chatId !== undefined ? customer.eventsSeenUpTo[chatId] : undefined;
  if (seen !== undefined) {
    out.events_seen_up_to = seen;
  }
  return out;
}

export function chatUsersJson(state: LiveChatEmulatorState, chat: EmulatorChat): JsonObject[] {
  const users = [customerUserJson(state.customer(chat.customerId), chat.id)];
  for (const agentId of chat.agentIds) {
    const bot = state.bot(agentId);
    if (bot !== undefined) {
      // Bots are agents too (type "agent"), with a hex id and no e-mail.
      users.push({ id: bot.id, type: 'agent', name: bot.name, present: true });
      continue;
    }
    users.push({
      id: agentId,
      type: 'agent',
      name: agentId.split('@')[0],
      email: agentId,
      present: true,
    });
  }
  return users;
}

export function threadJson(chat: EmulatorChat, thread: EmulatorThread, viewer: Viewer): JsonObject {
  const index = chat.threads.indexOf(thread);
  const out: JsonObject = {
    id: thread.id,
    active: thread.active,
    created_at: thread.createdAt,
    user_ids: thread.userIds,
    events: visibleEvents(thread, viewer),
    properties: thread.properties,
    access: { group_ids: chat.groupIds },
  };
  if (index > 0) {
    out.previous_thread_id = chat.threads[index - 1].id;
  }
  if (index >= 0 && index < chat.threads.length - 1) {
    out.next_thread_id = chat.threads[index + 1].id;
  }
  return out;
}

export function chatJson(
  state: LiveChatEmulatorState,
  chat: EmulatorChat,
  thread: EmulatorThread | undefined,
  viewer: Viewer,
): JsonObject {
  const out: JsonObject = {
    id: chat.id,
    users: chatUsersJson(state, chat),
    access: { group_ids: chat.groupIds },
    properties: chat.properties,
  };
  if (thread !== undefined) {
    out.thread = threadJson(chat, thread, viewer);
  }
  return out;
}

export function chatSummaryJson(state: LiveChatEmulatorState, chat: EmulatorChat): JsonObject {
  const last = chat.threads[chat.threads.length - 1];
  const lastEventPerType: JsonObject = {};
  for (const thread of chat.threads) {
    for (const event of thread.events) {
      if (event.deleted || event.visibility !== 'all') {
        continue;
      }
      lastEventPerType[event.type] = {
        thread_id: thread.id,
        thread_created_at: thread.createdAt,
        event: eventJson(event),
      };
    }
  }
  const out: JsonObject = {
    id: chat.id,
    users: chatUsersJson(state, chat),
    access: { group_ids: chat.groupIds },
    properties: chat.properties,
    active: isChatActive(chat),
    last_event_per_type: lastEventPerType,
  };
  if (last !== undefined) {
    out.last_thread_id = last.id;
    out.last_thread_created_at = last.createdAt;
  }
  return out;
}
