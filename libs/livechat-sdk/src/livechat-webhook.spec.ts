import {
  parseLiveChatAppWebhook,
  parseLiveChatWebhook,
  secretKeyMatches,
} from './livechat-webhook.util';

const envelope = (
  action: string,
  payload: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  webhook_id: 'wh-1',
  secret_key: 'top-secret',
  action,
  organization_id: 'org-1',
  payload,
  ...extra,
});

describe('parseLiveChatWebhook', () => {
  it('parses incoming_event into camelCase with additional data', () => {
    const result = parseLiveChatWebhook(
      envelope(
        'incoming_event',
        {
          chat_id: 'C1',
          thread_id: 'T1',
          event: {
            id: 'T1_2',
            custom_id: 'ig:mid.1',
            type: 'message',
            author_id: 'agent@example.com',
            created_at: '2026-01-01T00:00:00.000000Z',
            visibility: 'all',
            text: 'hello',
            properties: { lc2: { welcome: true } },
          },
        },
        {
          additional_data: {
            chat_properties: { source: { client_id: 'cid' } },
            chat_presence_user_ids: ['u1', 'agent@example.com'],
          },
        },
      ),
    );
    expect(result).toEqual({
      ok: true,
      webhook: {
        webhookId: 'wh-1',
        secretKey: 'top-secret',
        organizationId: 'org-1',
        action: 'incoming_event',
        additionalData: {
          chatProperties: { source: { client_id: 'cid' } },
          chatPresenceUserIds: ['u1', 'agent@example.com'],
        },
        payload: {
          chatId: 'C1',
          threadId: 'T1',
          event: {
            id: 'T1_2',
            customId: 'ig:mid.1',
            type: 'message',
            authorId: 'agent@example.com',
            createdAt: '2026-01-01T00:00:00.000000Z',
            visibility: 'all',
            text: 'hello',
            properties: { lc2: { welcome: true } },
          },
        },
      },
    });
  });

  it('parses a file event and a system message without author', () => {
    const file = parseLiveChatWebhook(
      envelope('incoming_event', {
        chat_id: 'C1',
        thread_id: 'T1',
        event: {
          id: 'e',
          type: 'file',
          author_id: 'a@b.c',
          url: 'https://cdn/x.png',
          name: 'x.png',
          content_type: 'image/png',
          size: 10,
          width: 5,
          height: 6,
        },
      }),
    );
    const system = parseLiveChatWebhook(
      envelope('incoming_event', {
        chat_id: 'C1',
        thread_id: 'T1',
        event: {
          id: 's',
          type: 'system_message',
          system_message_type: 'manual_archived_agent',
          text: 'closed',
          text_vars: { agent: 'A' },
        },
      }),
    );
    expect(
      file.ok && file.webhook.action === 'incoming_event' && file.webhook.payload.event,
    ).toEqual({
      id: 'e',
      type: 'file',
      authorId: 'a@b.c',
      url: 'https://cdn/x.png',
      name: 'x.png',
      contentType: 'image/png',
      size: 10,
      width: 5,
      height: 6,
    });
    expect(
      system.ok && system.webhook.action === 'incoming_event' && system.webhook.payload.event,
    ).toEqual({
      id: 's',
      type: 'system_message',
      systemMessageType: 'manual_archived_agent',
      text: 'closed',
      textVars: { agent: 'A' },
    });
  });

  it('parses incoming_chat with users and thread', () => {
    const result = parseLiveChatWebhook(
      envelope('incoming_chat', {
        chat: {
          id: 'C1',
          users: [
            { id: 'cust-1', type: 'customer', name: 'Ann', session_fields: [{ ig: '@ann' }] },
            { id: 'agent@example.com', type: 'agent', email: 'agent@example.com' },
          ],
          properties: { source: { client_id: 'cid' } },
          access: { group_ids: [0] },
          thread: {
            id: 'T1',
            active: true,
            user_ids: ['cust-1'],
            events: [{ id: 'T1_1', type: 'message', text: 'hi', author_id: 'cust-1' }],
            created_at: 'x',
          },
        },
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok || result.webhook.action !== 'incoming_chat') {
      throw new Error('unexpected');
    }
    expect(result.webhook.payload.chat.users).toEqual([
      { id: 'cust-1', type: 'customer', name: 'Ann', sessionFields: { ig: '@ann' } },
      { id: 'agent@example.com', type: 'agent', email: 'agent@example.com' },
    ]);
    expect(result.webhook.payload.chat.access).toEqual({ groupIds: [0] });
    expect(result.webhook.payload.chat.thread).toEqual({
      id: 'T1',
      active: true,
      userIds: ['cust-1'],
      createdAt: 'x',
      events: [{ id: 'T1_1', type: 'message', text: 'hi', authorId: 'cust-1' }],
    });
  });

  it('parses chat_deactivated with and without user_id', () => {
    const withUser = parseLiveChatWebhook(
      envelope('chat_deactivated', { chat_id: 'C', thread_id: 'T', user_id: 'a@b.c' }),
    );
    const byRouter = parseLiveChatWebhook(
      envelope('chat_deactivated', { chat_id: 'C', thread_id: 'T' }),
    );
    expect(withUser.ok && withUser.webhook.payload).toEqual({
      chatId: 'C',
      threadId: 'T',
      userId: 'a@b.c',
    });
    expect(byRouter.ok && byRouter.webhook.payload).toEqual({ chatId: 'C', threadId: 'T' });
  });

  it('parses event_deleted, events_marked_as_seen and event_updated', () => {
    const deleted = parseLiveChatWebhook(
      envelope('event_deleted', { chat_id: 'C', thread_id: 'T', event_id: 'T_1' }),
    );
    const seen = parseLiveChatWebhook(
      envelope('events_marked_as_seen', {
        user_id: 'u',
        chat_id: 'C',
        seen_up_to: '2026-01-01T00:00:00Z',
      }),
    );
    const updated = parseLiveChatWebhook(
      envelope('event_updated', {
        chat_id: 'C',
        thread_id: 'T',
        event: { id: 'T_1', type: 'message', text: 'edited' },
      }),
    );
    expect(deleted).toMatchObject({
      ok: true,
      webhook: { action: 'event_deleted', payload: { chatId: 'C', threadId: 'T', eventId: 'T_1' } },
    });
    expect(seen).toMatchObject({
      ok: true,
      webhook: {
        action: 'events_marked_as_seen',
        payload: { userId: 'u', chatId: 'C', seenUpTo: '2026-01-01T00:00:00Z' },
      },
    });
    expect(updated).toMatchObject({
      ok: true,
      webhook: {
        action: 'event_updated',
        payload: { chatId: 'C', threadId: 'T', event: { id: 'T_1', text: 'edited' } },
      },
    });
  });

  it('keeps unknown actions instead of failing', () => {
    const result = parseLiveChatWebhook(envelope('thread_tagged', { chat_id: 'C', tag: 'vip' }));
    expect(result).toEqual({
      ok: true,
      webhook: {
        webhookId: 'wh-1',
        secretKey: 'top-secret',
        organizationId: 'org-1',
        action: 'unknown',
        rawAction: 'thread_tagged',
        payload: { chat_id: 'C', tag: 'vip' },
      },
    });
  });

  it.each([
    ['not an object', 'nope', 'body is not a JSON object'],
    ['array', [], 'body is not a JSON object'],
    [
      'no secret',
      { ...envelope('incoming_event', {}), secret_key: undefined },
      'missing secret_key',
    ],
    [
      'no organization',
      { ...envelope('incoming_event', {}), organization_id: 5 },
      'missing organization_id',
    ],
    ['no payload', { ...envelope('incoming_event', {}), payload: null }, 'missing payload'],
    ['no action', { ...envelope('x', {}), action: '' }, 'missing action'],
    [
      'event without id',
      envelope('incoming_event', { chat_id: 'C', thread_id: 'T', event: { type: 'message' } }),
      'incoming_event: payload.event needs id and type',
    ],
    [
      'deleted without event_id',
      envelope('event_deleted', { chat_id: 'C', thread_id: 'T' }),
      'event_deleted: missing payload.event_id',
    ],
  ])('rejects %s with a reason, never throwing', (_name, body, reason) => {
    expect(parseLiveChatWebhook(body)).toEqual({ ok: false, reason });
  });
});

describe('secretKeyMatches', () => {
  it('is true only for the exact secret', () => {
    expect(secretKeyMatches('top-secret', 'top-secret')).toBe(true);
    expect(secretKeyMatches('top-secreT', 'top-secret')).toBe(false);
    expect(secretKeyMatches('top-secret-longer', 'top-secret')).toBe(false);
    expect(secretKeyMatches('', 'top-secret')).toBe(false);
  });

  it('is false for missing or non-string input and for an empty expected secret', () => {
    expect(secretKeyMatches(undefined, 'top-secret')).toBe(false);
    expect(secretKeyMatches(null, 'top-secret')).toBe(false);
    expect(secretKeyMatches(123, 'top-secret')).toBe(false);
    expect(secretKeyMatches({ secret: 'top-secret' }, 'top-secret')).toBe(false);
    expect(secretKeyMatches('', '')).toBe(false);
  });
});

describe('parseLiveChatAppWebhook', () => {
  const app = (event: string, extra: Record<string, unknown> = {}) => ({
    applicationID: 'aPbNnrwZg',
    applicationName: 'IG',
    clientID: 'cid',
    date: '2020-09-14T15:29:49+02:00',
    event,
    licenseID: 104130623,
    organizationID: 'org-1',
    payload: { applicationID: 'aPbNnrwZg' },
    userID: 'user-1',
    ...extra,
  });

  it('parses installed and uninstalled', () => {
    expect(parseLiveChatAppWebhook(app('application_installed'))).toEqual({
      ok: true,
      webhook: {
        event: 'application_installed',
        rawEvent: 'application_installed',
        applicationId: 'aPbNnrwZg',
        applicationName: 'IG',
        clientId: 'cid',
        date: '2020-09-14T15:29:49+02:00',
        licenseId: 104130623,
        organizationId: 'org-1',
        userId: 'user-1',
        payload: { applicationID: 'aPbNnrwZg' },
      },
    });
    expect(
      parseLiveChatAppWebhook(app('application_uninstalled', { licenseID: '42' })),
    ).toMatchObject({
      ok: true,
      webhook: { event: 'application_uninstalled', licenseId: 42 },
    });
  });

  it('keeps other events as unknown and rejects malformed bodies', () => {
    expect(parseLiveChatAppWebhook(app('payment_collected'))).toMatchObject({
      ok: true,
      webhook: { event: 'unknown', rawEvent: 'payment_collected' },
    });
    expect(parseLiveChatAppWebhook({ event: 'application_installed', clientID: 'cid' })).toEqual({
      ok: false,
      reason: 'missing organizationID',
    });
    expect(parseLiveChatAppWebhook('x')).toEqual({
      ok: false,
      reason: 'body is not a JSON object',
    });
  });
});
