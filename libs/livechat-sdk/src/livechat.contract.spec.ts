import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Logger, LoggerService } from '@nestjs/common';
import {
  isChatActive,
  LiveChatEmulator,
  OrganizationHandle,
  startLiveChatEmulator,
  startWebhookReceiver,
  WebhookReceiver,
} from '../../../test/emulators/livechat';
import { ConfigurationClient } from './configuration.client';
import { CustomerChatClient } from './customer-chat.client';
import { LiveChatAccountsClient } from './livechat-accounts.client';
import { AgentTokenSet, CustomerTokenSet } from './livechat-accounts.types';
import { LiveChatApiError } from './livechat-api.error';
import { LiveChatCallInfo, LiveChatClientOptions } from './livechat-options.types';
import { parseLiveChatWebhook } from './livechat-webhook.util';
import { LiveChatWebhook } from './livechat-webhook.types';
import { createPkcePair } from './pkce.util';
import { isRelayChat, relayChatProperties } from './relay-chat-property.util';
import { SingleFlight } from './single-flight.util';

const CLIENT_ID = 'contract-client-id';
const CLIENT_SECRET = 'contract-client-secret-0123456789';
const REDIRECT_URI = 'https://app.example.com/install';
const WEBHOOK_SECRET = 'webhook-secret-key';

/** Every log line the clients write, to prove no token or text ever reaches the logs. */
const logLines: string[] = [];
const collect = (...parts: unknown[]): void => {
  logLines.push(parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' '));
};
const collector: LoggerService = {
  log: collect,
  error: collect,
  warn: collect,
  debug: collect,
  verbose: collect,
  fatal: collect,
};

let lc: LiveChatEmulator;
let receiver: WebhookReceiver;
let options: LiveChatClientOptions;
let accounts: LiveChatAccountsClient;
let chat: CustomerChatClient;
let config: ConfigurationClient;
const metrics: LiveChatCallInfo[] = [];

beforeAll(async () => {
  Logger.overrideLogger(collector);
  lc = await startLiveChatEmulator({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  receiver = await startWebhookReceiver();
  options = {
    apiUrl: lc.url,
    accountsUrl: lc.url,
    apiVersion: '3.6',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    timeoutMs: 5_000,
    onCall: (info) => metrics.push(info),
  };
  accounts = new LiveChatAccountsClient(options);
  chat = new CustomerChatClient(options);
  config = new ConfigurationClient(options);
  for (const action of [
    'incoming_event',
    'incoming_chat',
    'chat_deactivated',
    'event_deleted',
    'events_marked_as_seen',
    'event_updated',
  ]) {
    lc.registerWebhook({ url: `${receiver.url}/all`, action, secretKey: WEBHOOK_SECRET });
  }
  lc.registerWebhook({
    url: `${receiver.url}/agent-only`,
    action: 'incoming_event',
    secretKey: WEBHOOK_SECRET,
    filters: { authorType: 'agent' },
    additionalData: ['chat_properties'],
  });
});

afterAll(async () => {
  await lc.close();
  await receiver.close();
});

async function failure(promise: Promise<unknown>): Promise<LiveChatApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LiveChatApiError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** Webhooks the receiver got for one organization (parsed with our own parser). */
function webhooks(action: string, organizationId: string, path = '/all'): LiveChatWebhook[] {
  return receiver.received
    .filter((r) => r.path === path)
    .map((r) => parseLiveChatWebhook(r.body))
    .flatMap((p) => (p.ok ? [p.webhook] : []))
    .filter(
      (w) =>
        w.organizationId === organizationId &&
        (w.action === action || (w.action === 'unknown' && w.rawAction === action)),
    );
}

interface Customer {
  org: OrganizationHandle;
  token: string;
  entityId: string;
}

async function newCustomer(): Promise<Customer> {
  const org = lc.state.createOrganization();
  const customer = await accounts.createCustomer(org.accessToken);
  return { org, token: customer.accessToken, entityId: customer.entityId };
}

async function newChat(): Promise<
  Customer & { chatId: string; threadId: string; firstEventId: string }
> {
  const customer = await newCustomer();
  const started = await chat.startChat(customer.token, customer.org.organizationId, {
    events: [{ type: 'message', text: 'first', customId: 'ig:mid.first' }],
  });
  return {
    ...customer,
    chatId: started.chatId,
    threadId: started.threadId,
    firstEventId: started.eventIds[0],
  };
}

describe('LiveChatAccountsClient against the emulator', () => {
  it('runs the browser code flow with PKCE and state, then exchanges the code', async () => {
    const org = lc.state.createOrganization();
    const pkce = createPkcePair();
    const authorizeUrl = accounts.buildAuthorizeUrl({
      redirectUri: REDIRECT_URI,
      state: 'state-123',
      codeChallenge: pkce.challenge,
    });
    expect(authorizeUrl.startsWith(`${lc.url}/?`)).toBe(true);
    const page = await fetch(authorizeUrl);
    expect(page.status).toBe(200);
    const href = /id="allow" href="([^"]+)"/.exec(await page.text())?.[1]?.replace(/&amp;/g, '&');
    expect(href).toBeDefined();
    const allowed = await fetch(`${lc.url}${href ?? ''}`, { redirect: 'manual' });
    expect(allowed.status).toBe(302);
    const location = new URL(allowed.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('state-123');
    const code = location.searchParams.get('code') ?? '';

    const tokens = await accounts.exchangeCode({
      code,
      redirectUri: REDIRECT_URI,
      codeVerifier: pkce.verifier,
    });
    expect(tokens).toMatchObject({
      accountId: org.accountId,
      organizationId: org.organizationId,
      refreshToken: expect.any(String),
      expiresIn: 28_800,
      tokenType: 'Bearer',
    });
    expect(tokens.accessToken).toMatch(/^dal:/);
    expect(tokens.scopes).toContain('customers:own');
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const exchange = lc.callsTo('token').at(-1);
    expect(exchange?.contentType).toContain('application/x-www-form-urlencoded');
    expect(exchange?.body).toEqual({
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
    });

    const reused = await failure(
      accounts.exchangeCode({ code, redirectUri: REDIRECT_URI, codeVerifier: pkce.verifier }),
    );
    expect(reused).toMatchObject({
      kind: 'auth',
      vendorType: 'invalid_grant',
      status: 400,
      method: 'exchange_code',
    });
  });

  it('redirects at once with auto=1 and rejects a wrong PKCE verifier or redirect URI', async () => {
    lc.state.createOrganization();
    const pkce = createPkcePair();
    const url = accounts.buildAuthorizeUrl({
      redirectUri: REDIRECT_URI,
      state: 's',
      codeChallenge: pkce.challenge,
    });
    const res = await fetch(`${url}&auto=1`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const wrongVerifier = await failure(
      accounts.exchangeCode({
        code,
        redirectUri: REDIRECT_URI,
        codeVerifier: createPkcePair().verifier,
      }),
    );
    expect(wrongVerifier).toMatchObject({ kind: 'auth', vendorType: 'invalid_grant' });

    const unlisted = await fetch(
      accounts.buildAuthorizeUrl({ redirectUri: 'https://evil.example.com/x', state: 's' }),
      {
        redirect: 'manual',
      },
    );
    expect(unlisted.headers.get('location')).toContain('/ooops?oauth_exception=invalid_request');
  });

  it('exchanges a Marketplace-style code with the client secret only, and rejects a wrong secret', async () => {
    const org = lc.state.createOrganization();
    const wrongSecret = new LiveChatAccountsClient({ ...options, clientSecret: 'not-the-secret' });
    const denied = await failure(
      wrongSecret.exchangeCode({ code: org.code, redirectUri: REDIRECT_URI }),
    );
    expect(denied).toMatchObject({ kind: 'auth', vendorType: 'invalid_client', status: 401 });
    const tokens = await accounts.exchangeCode({ code: org.code, redirectUri: REDIRECT_URI });
    expect(tokens.organizationId).toBe(org.organizationId);
  });

  it('refreshes (refresh token does not rotate), reads /v2/info, and revokes (404 tolerated)', async () => {
    const org = lc.state.createOrganization();
    const refreshed = await accounts.refresh(org.refreshToken);
    expect(refreshed.refreshToken).toBe(org.refreshToken);
    expect(refreshed.accessToken).not.toBe(org.accessToken);
    expect(lc.callsTo('token').at(-1)?.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: org.refreshToken,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });

    const info = await accounts.info(refreshed.accessToken);
    expect(info).toMatchObject({
      accountId: org.accountId,
      organizationId: org.organizationId,
      clientId: CLIENT_ID,
      tokenType: 'Bearer',
    });
    expect(info.scopes).toEqual(expect.arrayContaining(['customers:own', 'webhooks.state:rw']));
    expect(lc.callsTo('info').at(-1)?.authKind).toBe('agent');

    await expect(accounts.revoke(refreshed.accessToken)).resolves.toBe(true);
    expect(await failure(accounts.info(refreshed.accessToken))).toMatchObject({
      kind: 'auth',
      status: 401,
    });
    await expect(accounts.revoke(refreshed.accessToken)).resolves.toBe(false);
    // Revoking an access token takes its paired refresh token with it.
    expect(await failure(accounts.refresh(org.refreshToken))).toMatchObject({
      kind: 'auth',
      vendorType: 'invalid_grant',
    });
  });

  it('mints, re-mints, inspects and revokes customer tokens', async () => {
    const org = lc.state.createOrganization();
    const created = await accounts.createCustomer(org.accessToken, { expiresIn: 3_600 });
    expect(created).toMatchObject({
      organizationId: org.organizationId,
      expiresIn: 3_600,
      clientId: CLIENT_ID,
    });
    expect(lc.state.customer(created.entityId)?.organizationId).toBe(org.organizationId);
    expect(lc.callsTo('customer_token').at(-1)?.body).toEqual({
      grant_type: 'agent_token',
      client_id: CLIENT_ID,
      response_type: 'token',
      expires_in: 3_600,
    });

    const again = await accounts.customerToken(org.accessToken, created.entityId);
    expect(again.entityId).toBe(created.entityId);
    expect(again.accessToken).not.toBe(created.accessToken);
    expect(lc.callsTo('customer_token').at(-1)?.body.entity_id).toBe(created.entityId);

    await expect(accounts.customerInfo(again.accessToken)).resolves.toEqual({
      entityId: created.entityId,
      clientId: CLIENT_ID,
      expiresIn: expect.any(Number),
      organizationId: org.organizationId,
    });
    await expect(accounts.revokeCustomerToken(again.accessToken)).resolves.toBe(true);
    expect(await failure(accounts.customerInfo(again.accessToken))).toMatchObject({
      kind: 'auth',
      status: 401,
    });
  });

  it('reports an unknown customer and a missing customers:own scope as permanent', async () => {
    const org = lc.state.createOrganization();
    const unknown = await failure(
      accounts.customerToken(org.accessToken, '00000000-0000-4000-8000-000000000000'),
    );
    expect(unknown).toMatchObject({
      kind: 'permanent',
      vendorType: 'resource_not_found',
      status: 404,
      method: 'customer_token',
    });

    const noScope = lc.state.createOrganization({ scopes: ['chats--all:ro'] });
    const denied = await failure(accounts.createCustomer(noScope.accessToken));
    expect(denied).toMatchObject({ kind: 'permanent', vendorType: 'access_denied', status: 403 });
  });

  it('refresh race: concurrent callers through SingleFlight cause exactly one refresh', async () => {
    const org = lc.state.createOrganization();
    const flight = new SingleFlight<AgentTokenSet>();
    // Slow the token endpoint so both callers are certainly in flight together.
    lc.faults.inject({ route: 'token', latencyMs: 50, times: 1 });
    const refresh = () => flight.run(org.organizationId, () => accounts.refresh(org.refreshToken));
    const [a, b, c] = await Promise.all([refresh(), refresh(), refresh()]);
    expect(a.accessToken).toBe(b.accessToken);
    expect(b.accessToken).toBe(c.accessToken);
    const refreshCalls = lc
      .callsTo('token')
      .filter(
        (call) =>
          call.body.grant_type === 'refresh_token' && call.body.refresh_token === org.refreshToken,
      );
    expect(refreshCalls).toHaveLength(1);
  });

  it('shows why stampedes hurt: the 26th token silently revokes the oldest', async () => {
    const org = lc.state.createOrganization();
    for (let i = 0; i < 25; i++) {
      await accounts.refresh(org.refreshToken);
    }
    expect(await failure(accounts.info(org.accessToken))).toMatchObject({ kind: 'auth' });
    expect(lc.state.liveAgentTokens(org.accountId)).toHaveLength(25);
  });
});

describe('CustomerChatClient against the emulator', () => {
  it('starts a chat and sends events; LiveChat echoes them as webhooks', async () => {
    const c = await newCustomer();
    const org = c.org.organizationId;
    const started = await chat.startChat(c.token, org, {
      groupId: 0,
      events: [{ type: 'message', text: 'hi from IG', customId: 'ig:mid.1' }],
      properties: { instagram: { igsid: '1789' } },
    });
    expect(started.eventIds).toHaveLength(1);
    const startCall = lc.callsTo('start_chat').at(-1);
    expect(startCall?.query).toEqual({ organization_id: org });
    expect(startCall?.authKind).toBe('customer');
    expect(startCall?.headers['x-region']).toBe('dal');
    expect(startCall?.body).toEqual({
      chat: {
        access: { group_ids: [0] },
        properties: { instagram: { igsid: '1789' } },
        thread: { events: [{ type: 'message', text: 'hi from IG', custom_id: 'ig:mid.1' }] },
      },
      active: true,
      continuous: true,
    });
    const stored = lc.state.requireChat(started.chatId);
    expect(stored.customerId).toBe(c.entityId);
    expect(stored.properties.instagram).toEqual({ igsid: '1789' });

    const sent = await chat.sendEvent(c.token, org, {
      chatId: started.chatId,
      event: {
        type: 'message',
        text: 'second',
        customId: 'ig:mid.2',
        properties: { ig: { kind: 'text' } },
      },
    });
    expect(sent.eventId).toBe(`${started.threadId}_2`);
    expect(
      lc.state.events(started.chatId).map((e) => [e.id, e.customId, e.text, e.authorId]),
    ).toEqual([
      [started.eventIds[0], 'ig:mid.1', 'hi from IG', c.entityId],
      [sent.eventId, 'ig:mid.2', 'second', c.entityId],
    ]);

    await lc.flushWebhooks();
    const incomingChats = webhooks('incoming_chat', org);
    expect(incomingChats).toHaveLength(1);
    expect(
      incomingChats[0].action === 'incoming_chat' &&
        incomingChats[0].payload.chat.thread?.events[0]?.customId,
    ).toBe('ig:mid.1');
    const echoes = webhooks('incoming_event', org);
    expect(echoes).toHaveLength(1);
    expect(echoes[0]).toMatchObject({
      secretKey: WEBHOOK_SECRET,
      payload: {
        chatId: started.chatId,
        threadId: started.threadId,
        event: { id: sent.eventId, customId: 'ig:mid.2', authorId: c.entityId, visibility: 'all' },
      },
    });
    // The author_type=agent webhook never sees the customer's own events.
    expect(webhooks('incoming_event', org, '/agent-only')).toHaveLength(0);
  });

  it('delivers agent replies and internal notes to the agent-only webhook; customers never see notes', async () => {
    const c = await newChat();
    const org = c.org.organizationId;
    const reply = await lc.agentSendsMessage(c.chatId, { text: 'Hello from agent' });
    expect(reply.deliveries.map((d) => d.status)).toEqual([200, 200]);
    await lc.agentSendsInternalNote(c.chatId, { text: 'internal note' });
    const agentEvents = webhooks('incoming_event', org, '/agent-only').flatMap((w) =>
      w.action === 'incoming_event' ? [w.payload.event] : [],
    );
    expect(agentEvents.map((e) => [e.text, e.visibility, e.authorId])).toEqual([
      ['Hello from agent', 'all', c.org.adminEmail],
      ['internal note', 'agents', c.org.adminEmail],
    ]);
    const withProps = webhooks('incoming_event', org, '/agent-only')[0];
    expect(withProps.additionalData?.chatProperties?.source).toEqual({
      client_id: CLIENT_ID,
      customer_client_id: CLIENT_ID,
    });

    const view = await chat.getChat(c.token, org, { chatId: c.chatId });
    expect(view.id).toBe(c.chatId);
    expect(view.thread?.events.map((e) => e.text)).toEqual(['first', 'Hello from agent']);
    expect(view.thread?.events[0]).toMatchObject({
      id: c.firstEventId,
      customId: 'ig:mid.first',
      authorId: c.entityId,
      type: 'message',
    });
    expect(view.users.map((u) => [u.id, u.type])).toEqual([
      [c.entityId, 'customer'],
      [c.org.adminEmail, 'agent'],
    ]);
    const byThread = await chat.getChat(c.token, org, { chatId: c.chatId, threadId: c.threadId });
    expect(byThread.thread?.id).toBe(c.threadId);
  });

  it('handles inactive chats: chat_inactive, attach_to_last_thread, resume, one active chat per customer', async () => {
    const c = await newChat();
    const org = c.org.organizationId;
    await chat.deactivateChat(c.token, org, c.chatId);
    expect(isChatActive(lc.state.requireChat(c.chatId))).toBe(false);

    const inactive = await failure(
      chat.sendEvent(c.token, org, { chatId: c.chatId, event: { type: 'message', text: 'late' } }),
    );
    expect(inactive).toMatchObject({
      kind: 'permanent',
      vendorType: 'chat_inactive',
      status: 400,
      method: 'send_event',
    });
    expect(inactive.message).toBe('livechat send_event failed: permanent chat_inactive (400)');

    const attached = await chat.sendEvent(c.token, org, {
      chatId: c.chatId,
      event: { type: 'message', text: 'late' },
      attachToLastThread: true,
    });
    expect(attached.eventId.startsWith(c.threadId)).toBe(true);

    const resumed = await chat.resumeChat(c.token, org, {
      chatId: c.chatId,
      events: [{ type: 'message', text: 'back again', customId: 'ig:mid.3' }],
    });
    expect(resumed.threadId).not.toBe(c.threadId);
    expect(resumed.eventIds).toEqual([`${resumed.threadId}_1`]);
    expect(lc.callsTo('resume_chat').at(-1)?.body).toEqual({
      chat: {
        id: c.chatId,
        thread: { events: [{ type: 'message', text: 'back again', custom_id: 'ig:mid.3' }] },
      },
      active: true,
      continuous: true,
    });

    const second = await failure(
      chat.startChat(c.token, org, { events: [{ type: 'message', text: 'x' }] }),
    );
    expect(second).toMatchObject({ kind: 'permanent', vendorType: 'validation' });

    await lc.flushWebhooks();
    expect(webhooks('chat_deactivated', org).map((w) => w.payload)).toEqual([
      { chatId: c.chatId, threadId: c.threadId, userId: c.entityId },
    ]);
    expect(webhooks('incoming_chat', org)).toHaveLength(2);
  });

  it('marks a chat as ours with a chat property at start and resume; webhooks with chat_properties carry it', async () => {
    const c = await newChat();
    const org = c.org.organizationId;
    expect(isRelayChat(lc.state.requireChat(c.chatId).properties, CLIENT_ID)).toBe(false);
    await chat.deactivateChat(c.token, org, c.chatId);
    await chat.resumeChat(c.token, org, {
      chatId: c.chatId,
      events: [{ type: 'message', text: 'resumed' }],
      properties: relayChatProperties(CLIENT_ID),
    });
    expect(lc.callsTo('resume_chat').at(-1)?.body).toMatchObject({
      chat: { id: c.chatId, properties: { [CLIENT_ID]: { instagram_relay: true } } },
    });
    // Set on the chat, beside LiveChat's own properties.
    const stored = lc.state.requireChat(c.chatId).properties;
    expect(stored[CLIENT_ID]).toEqual({ instagram_relay: true });
    expect(stored.source).toEqual({ client_id: CLIENT_ID, customer_client_id: CLIENT_ID });

    await lc.agentSendsMessage(c.chatId, { text: 'agent answer' });
    const [withProperties] = webhooks('incoming_event', org, '/agent-only');
    expect(isRelayChat(withProperties?.additionalData?.chatProperties, CLIENT_ID)).toBe(true);
    // Registered without chat_properties: no additional_data at all.
    const plain = webhooks('incoming_event', org).filter((w) => w.additionalData !== undefined);
    expect(plain).toEqual([]);
    // incoming_chat carries the chat itself, properties included.
    const started = await newCustomer();
    await chat.startChat(started.token, started.org.organizationId, {
      properties: relayChatProperties(CLIENT_ID),
    });
    await lc.flushWebhooks();
    const [incoming] = webhooks('incoming_chat', started.org.organizationId);
    expect(
      incoming?.action === 'incoming_chat' &&
        isRelayChat(incoming.payload.chat.properties, CLIENT_ID),
    ).toBe(true);
  });

  it('uploads files (multipart `file`), serves them from the CDN and sends file events', async () => {
    const c = await newChat();
    const org = c.org.organizationId;
    const data = Buffer.from('not really a png, but bytes');
    const uploaded = await chat.uploadFile(c.token, org, {
      fileName: 'photo.png',
      contentType: 'image/png',
      data,
    });
    expect(uploaded.url.startsWith(`${lc.url}/cdn/`)).toBe(true);
    expect(lc.callsTo('upload_file').at(-1)?.multipart).toEqual([
      { name: 'file', filename: 'photo.png', contentType: 'image/png', size: data.length },
    ]);
    const served = await fetch(uploaded.url);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(data)).toBe(true);

    const sent = await chat.sendEvent(c.token, org, {
      chatId: c.chatId,
      event: {
        type: 'file',
        url: uploaded.url,
        customId: 'ig:mid.img',
        alternativeText: 'a photo',
      },
    });
    expect(lc.state.findEvent(c.chatId, sent.eventId)?.event).toMatchObject({
      type: 'file',
      url: uploaded.url,
      name: 'photo.png',
      contentType: 'image/png',
      size: data.length,
      alternativeText: 'a photo',
      customId: 'ig:mid.img',
    });

    const tooBig = await failure(
      chat.uploadFile(c.token, org, {
        fileName: 'big.bin',
        contentType: 'application/octet-stream',
        data: Buffer.alloc(10 * 1024 * 1024 + 1),
      }),
    );
    expect(tooBig).toMatchObject({
      kind: 'permanent',
      vendorType: 'entity_too_large',
      status: 413,
      method: 'upload_file',
    });
    const foreignUrl = await failure(
      chat.sendEvent(c.token, org, {
        chatId: c.chatId,
        event: { type: 'file', url: 'https://example.com/x.png' },
      }),
    );
    expect(foreignUrl).toMatchObject({ kind: 'permanent', vendorType: 'validation' });
  });

  it('maps system messages and rejects texts over 16 KB', async () => {
    const c = await newChat();
    const org = c.org.organizationId;
    const sent = await chat.sendEvent(c.token, org, {
      chatId: c.chatId,
      event: {
        type: 'system_message',
        text: 'Story mention',
        systemMessageType: 'instagram_story_mention',
        customId: 'ig:mid.s',
      },
    });
    expect(lc.callsTo('send_event').at(-1)?.body.event).toEqual({
      type: 'system_message',
      text: 'Story mention',
      system_message_type: 'instagram_story_mention',
      custom_id: 'ig:mid.s',
    });
    expect(lc.state.findEvent(c.chatId, sent.eventId)?.event.systemMessageType).toBe(
      'instagram_story_mention',
    );
    const long = await failure(
      chat.sendEvent(c.token, org, {
        chatId: c.chatId,
        event: { type: 'message', text: 'x'.repeat(16 * 1024 + 1) },
      }),
    );
    expect(long).toMatchObject({ kind: 'permanent', vendorType: 'validation', status: 400 });
  });

  it('updates the customer profile and session fields', async () => {
    const c = await newChat();
    const org = c.org.organizationId;
    await chat.updateCustomer(c.token, org, {
      name: 'Ann (@ann)',
      email: 'ann@example.com',
      avatar: 'https://cdn.example.com/ann.jpg',
      sessionFields: { instagram_username: 'ann' },
    });
    expect(lc.callsTo('update_customer').at(-1)?.body).toEqual({
      name: 'Ann (@ann)',
      email: 'ann@example.com',
      avatar: 'https://cdn.example.com/ann.jpg',
      session_fields: [{ instagram_username: 'ann' }],
    });
    await chat.setSessionFields(c.token, org, { ig_profile: 'https://instagram.com/ann' });
    expect(lc.state.customer(c.entityId)).toMatchObject({
      name: 'Ann (@ann)',
      email: 'ann@example.com',
      avatar: 'https://cdn.example.com/ann.jpg',
      sessionFields: { instagram_username: 'ann', ig_profile: 'https://instagram.com/ann' },
    });
    const view = await chat.getChat(c.token, org, { chatId: c.chatId });
    expect(view.users[0]).toMatchObject({
      name: 'Ann (@ann)',
      sessionFields: { instagram_username: 'ann', ig_profile: 'https://instagram.com/ann' },
    });
    expect(await failure(chat.updateCustomer(c.token, org, {}))).toMatchObject({
      kind: 'permanent',
      vendorType: 'validation',
    });
  });

  it('lists chats with pagination', async () => {
    const c = await newChat();
    const org = c.org.organizationId;
    await chat.deactivateChat(c.token, org, c.chatId);
    const second = await chat.startChat(c.token, org, {
      events: [{ type: 'message', text: 'new chat' }],
    });
    const page1 = await chat.listChats(c.token, org, { limit: 1 });
    expect(page1.totalChats).toBe(2);
    expect(page1.chatsSummary).toHaveLength(1);
    expect(page1.chatsSummary[0]).toMatchObject({
      id: second.chatId,
      active: true,
      lastThreadId: second.threadId,
    });
    expect(page1.nextPageId).toBeDefined();
    const page2 = await chat.listChats(c.token, org, { limit: 1, pageId: page1.nextPageId });
    expect(page2.chatsSummary.map((s) => [s.id, s.active])).toEqual([[c.chatId, false]]);
    expect(page2.previousPageId).toBeDefined();
    expect(page2.nextPageId).toBeUndefined();
    expect(await failure(chat.listChats(c.token, org, { limit: 26 }))).toMatchObject({
      kind: 'permanent',
      vendorType: 'validation',
    });
  });

  it('deletes own events only and marks events as seen', async () => {
    const c = await newChat();
    const org = c.org.organizationId;
    const agent = await lc.agentSendsMessage(c.chatId, { text: 'agent text' });
    await chat.deleteEvent(c.token, org, {
      chatId: c.chatId,
      threadId: c.threadId,
      eventId: c.firstEventId,
    });
    expect(lc.callsTo('delete_event').at(-1)?.body).toEqual({
      chat_id: c.chatId,
      thread_id: c.threadId,
      event_id: c.firstEventId,
    });
    expect(lc.state.findEvent(c.chatId, c.firstEventId)?.event.deleted).toBe(true);
    const view = await chat.getChat(c.token, org, { chatId: c.chatId });
    expect(view.thread?.events.map((e) => e.id)).toEqual([agent.event.id]);

    const notOwn = await failure(
      chat.deleteEvent(c.token, org, {
        chatId: c.chatId,
        threadId: c.threadId,
        eventId: agent.event.id,
      }),
    );
    expect(notOwn).toMatchObject({ kind: 'permanent', vendorType: 'authorization', status: 403 });
    const twice = await failure(
      chat.deleteEvent(c.token, org, {
        chatId: c.chatId,
        threadId: c.threadId,
        eventId: c.firstEventId,
      }),
    );
    expect(twice).toMatchObject({ kind: 'permanent', vendorType: 'not_found', status: 404 });

    const seenUpTo = new Date();
    await chat.markEventsAsSeen(c.token, org, { chatId: c.chatId, seenUpTo });
    expect(lc.state.customer(c.entityId)?.eventsSeenUpTo[c.chatId]).toBe(seenUpTo.toISOString());

    await lc.flushWebhooks();
    expect(webhooks('event_deleted', org).map((w) => w.payload)).toEqual([
      { chatId: c.chatId, threadId: c.threadId, eventId: c.firstEventId },
    ]);
    expect(webhooks('events_marked_as_seen', org).map((w) => w.payload)).toEqual([
      { userId: c.entityId, chatId: c.chatId, seenUpTo: seenUpTo.toISOString() },
    ]);
  });

  it('delivers event_updated when an agent edits a message', async () => {
    const c = await newChat();
    const sent = await lc.agentSendsMessage(c.chatId, { text: 'tpyo' });
    const updated = await lc.agentUpdatesEvent(c.chatId, sent.event.id, { text: 'typo' });
    expect(updated.deliveries.map((d) => d.status)).toEqual([200]);
    expect(
      webhooks('event_updated', c.org.organizationId).map(
        (w) => w.action === 'event_updated' && w.payload.event.text,
      ),
    ).toEqual(['typo']);
  });
});

describe('ConfigurationClient against the emulator', () => {
  it('reads and enables the license webhooks state', async () => {
    const org = lc.state.createOrganization();
    await expect(config.getLicenseWebhooksState(org.accessToken)).resolves.toEqual({
      licenseWebhooksEnabled: true,
    });
    lc.state.setWebhooksEnabled(org.organizationId, false);
    await expect(config.getLicenseWebhooksState(org.accessToken)).resolves.toEqual({
      licenseWebhooksEnabled: false,
    });
    await config.enableLicenseWebhooks(org.accessToken);
    await expect(config.getLicenseWebhooksState(org.accessToken)).resolves.toEqual({
      licenseWebhooksEnabled: true,
    });
    expect(lc.callsTo('enable_license_webhooks').at(-1)).toMatchObject({
      authKind: 'agent',
      body: {},
    });
  });

  it('lists the license groups (id and name), General first, a deleted one gone', async () => {
    const org = lc.state.createOrganization({ groups: [{ id: 4, name: 'Sales' }] });
    const created = lc.state.createGroup(org.organizationId, 'Returns');
    await expect(config.listGroups(org.accessToken)).resolves.toEqual([
      { id: 0, name: 'General' },
      { id: 4, name: 'Sales' },
      { id: created.id, name: 'Returns' },
    ]);
    expect(lc.callsTo('list_groups').at(-1)).toMatchObject({ authKind: 'agent', body: {} });
    lc.state.deleteGroup(org.organizationId, 4);
    await expect(config.listGroups(org.accessToken)).resolves.toEqual([
      { id: 0, name: 'General' },
      { id: created.id, name: 'Returns' },
    ]);
    const without = lc.state.createOrganization({ scopes: ['customers:own'] });
    expect(await failure(config.listGroups(without.accessToken))).toMatchObject({
      kind: 'permanent',
      vendorType: 'authorization',
      status: 403,
    });
  });

  it('fails with authorization without the webhooks.state scopes, and auth for a bad token', async () => {
    const org = lc.state.createOrganization({ scopes: ['customers:own'] });
    expect(await failure(config.getLicenseWebhooksState(org.accessToken))).toMatchObject({
      kind: 'permanent',
      vendorType: 'authorization',
      status: 403,
    });
    expect(await failure(config.enableLicenseWebhooks('dal:not-a-token'))).toMatchObject({
      kind: 'auth',
      vendorType: 'authentication',
      status: 401,
    });
  });
});

describe('errors are classified at the edge', () => {
  let c: Awaited<ReturnType<typeof newChat>>;
  beforeEach(async () => {
    lc.faults.clear();
    c = await newChat();
  });
  afterEach(() => lc.faults.clear());

  const send = (text = 'hello') =>
    chat.sendEvent(c.token, c.org.organizationId, {
      chatId: c.chatId,
      event: { type: 'message', text },
    });

  it('5xx → retryable (and the fault is consumed)', async () => {
    lc.faults.inject({ route: 'send_event', status: 500, times: 1 });
    const err = await failure(send());
    expect(err).toMatchObject({
      kind: 'retryable',
      status: 500,
      vendorType: 'internal',
      method: 'send_event',
    });
    expect(err.message).toBe('livechat send_event failed: retryable internal (500)');
    await expect(send()).resolves.toEqual({ eventId: expect.any(String) });

    lc.faults.inject({ route: 'start_chat', status: 503, times: 1 });
    const other = await newCustomer();
    expect(await failure(chat.startChat(other.token, other.org.organizationId, {}))).toMatchObject({
      kind: 'retryable',
      status: 503,
      vendorType: 'service_unavailable',
    });
  });

  it('429 with Retry-After → rate-limited with retryAfterMs (chat and accounts APIs)', async () => {
    lc.faults.inject({ route: 'send_event', status: 429, retryAfterSeconds: 7, times: 1 });
    expect(await failure(send())).toMatchObject({
      kind: 'rate-limited',
      status: 429,
      vendorType: 'too_many_requests',
      retryAfterMs: 7_000,
    });
    lc.faults.inject({ route: '/v2/token', status: 429, retryAfterSeconds: 2, times: 1 });
    expect(await failure(accounts.refresh(c.org.refreshToken))).toMatchObject({
      kind: 'rate-limited',
      vendorType: 'temporarily_unavailable',
      retryAfterMs: 2_000,
    });
    lc.faults.inject({ route: 'customer_token', status: 500, times: 1 });
    expect(await failure(accounts.customerToken(c.org.accessToken, c.entityId))).toMatchObject({
      kind: 'retryable',
      vendorType: 'server_error',
      status: 500,
    });
  });

  it('expired token → auth; a fresh customer token works again', async () => {
    lc.state.expireToken(c.token);
    expect(await failure(send())).toMatchObject({
      kind: 'auth',
      status: 401,
      vendorType: 'authentication',
    });
    const fresh: CustomerTokenSet = await accounts.customerToken(c.org.accessToken, c.entityId);
    lc.faults.inject({ route: 'get_chat', expireToken: true, times: 1 });
    expect(
      await failure(chat.getChat(fresh.accessToken, c.org.organizationId, { chatId: c.chatId })),
    ).toMatchObject({
      kind: 'auth',
      vendorType: 'authentication',
    });
    // The fault really expired it, not just this one answer.
    expect(
      await failure(chat.getChat(fresh.accessToken, c.org.organizationId, { chatId: c.chatId })),
    ).toMatchObject({ kind: 'auth' });
    lc.state.expireToken(c.org.accessToken);
    expect(await failure(accounts.info(c.org.accessToken))).toMatchObject({ kind: 'auth' });
  });

  it('validation and other 4xx → permanent with vendorType', async () => {
    expect(await failure(send(''))).toMatchObject({
      kind: 'permanent',
      status: 400,
      vendorType: 'validation',
    });
    expect(
      await failure(chat.getChat(c.token, c.org.organizationId, { chatId: 'NOSUCHCHAT' })),
    ).toMatchObject({
      kind: 'permanent',
      status: 404,
    });
    // Status undocumented; 421 itself is retried transparently by undici, so use 400 here.
    lc.faults.inject({
      route: 'send_event',
      status: 400,
      body: {
        error: { type: 'misdirected_request', message: 'Wrong region', data: { region: 'fra' } },
      },
      times: 1,
    });
    expect(await failure(send())).toMatchObject({
      kind: 'permanent',
      vendorType: 'misdirected_request',
      region: 'fra',
    });
    lc.state.banCustomer(c.entityId);
    expect(await failure(send())).toMatchObject({
      kind: 'permanent',
      vendorType: 'customer_banned',
    });
  });

  it('a hung request → retryable timeout, reported to metrics as network', async () => {
    const fast = new CustomerChatClient({ ...options, timeoutMs: 200 });
    lc.faults.inject({ route: 'send_event', hang: true, times: 1 });
    const before = metrics.length;
    const err = await failure(
      fast.sendEvent(c.token, c.org.organizationId, {
        chatId: c.chatId,
        event: { type: 'message', text: 'x' },
      }),
    );
    expect(err).toMatchObject({ kind: 'retryable', method: 'send_event' });
    expect(err.status).toBeUndefined();
    expect(err.message).toBe('livechat send_event failed: retryable timeout');
    expect(metrics.slice(before)).toEqual([
      { api: 'livechat', method: 'send_event', status: 'network', durationMs: expect.any(Number) },
    ]);

    const fastAccounts = new LiveChatAccountsClient({ ...options, timeoutMs: 200 });
    lc.faults.inject({ route: 'token', hang: true, times: 1 });
    expect(await failure(fastAccounts.refresh(c.org.refreshToken))).toMatchObject({
      kind: 'retryable',
      method: 'refresh_token',
    });
  });

  it('a refused connection → retryable network error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dead = new LiveChatAccountsClient({
      ...options,
      accountsUrl: `http://127.0.0.1:${port}`,
    });
    const err = await failure(dead.info('dal:whatever'));
    expect(err).toMatchObject({ kind: 'retryable', method: 'token_info' });
    expect(err.message).toBe('livechat token_info failed: retryable network');
  });

  it('reports every call to the metrics hook with method, status and duration', async () => {
    const before = metrics.length;
    await send();
    lc.faults.inject({ route: 'send_event', status: 500, times: 1 });
    await failure(send());
    expect(metrics.slice(before)).toEqual([
      { api: 'livechat', method: 'send_event', status: 200, durationMs: expect.any(Number) },
      { api: 'livechat', method: 'send_event', status: 500, durationMs: expect.any(Number) },
    ]);
  });

  it('never puts tokens, secrets or message text into errors or logs', async () => {
    const text = 'very private customer message';
    const errors: LiveChatApiError[] = [];
    lc.state.expireToken(c.token);
    errors.push(await failure(send(text)));
    errors.push(await failure(accounts.customerInfo(c.token)));
    errors.push(await failure(accounts.refresh('not-a-refresh-token')));
    errors.push(await failure(accounts.createCustomer('dal:bogus-agent-token')));
    errors.push(
      await failure(
        new LiveChatAccountsClient({ ...options, clientSecret: 'wrong-secret-value' }).refresh(
          c.org.refreshToken,
        ),
      ),
    );
    const fresh = await accounts.customerToken(c.org.accessToken, c.entityId);
    errors.push(
      await failure(
        chat.sendEvent(fresh.accessToken, c.org.organizationId, {
          chatId: c.chatId,
          event: { type: 'message', text: `${text}${'!'.repeat(17_000)}` },
        }),
      ),
    );

    const secrets = [
      ...lc.state.agentTokens.keys(),
      ...lc.state.customerTokens.keys(),
      CLIENT_SECRET,
      'wrong-secret-value',
      'not-a-refresh-token',
      'dal:bogus-agent-token',
      text,
    ];
    for (const err of errors) {
      const rendered = [err.message, String(err.stack), JSON.stringify(err)].join('\n');
      for (const secret of secrets) {
        expect(rendered).not.toContain(secret);
      }
    }
    expect(logLines.some((line) => /^send_event 200 \d+ms\b/.test(line))).toBe(true);
    const allLogs = logLines.join('\n');
    for (const secret of secrets) {
      expect(allLogs).not.toContain(secret);
    }
  });
});
