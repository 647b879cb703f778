import { startLiveChatEmulator, LiveChatEmulator } from './livechat.emulator';
import { startWebhookReceiver, WebhookReceiver } from './webhook-receiver';

/** Self-test of the control API other suites rely on (raw HTTP, no SDK). */
let lc: LiveChatEmulator;
let receiver: WebhookReceiver;

beforeAll(async () => {
  lc = await startLiveChatEmulator({ clientId: 'cid', clientSecret: 'secret', webhookRetries: 2 });
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await lc.close();
  await receiver.close();
});

afterEach(() => {
  lc.faults.clear();
  receiver.status = 200;
});

async function post(
  path: string,
  token: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${lc.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function customerWithChat(): Promise<{
  org: ReturnType<typeof lc.state.createOrganization>;
  token: string;
  chatId: string;
}> {
  const org = lc.state.createOrganization();
  const customer = lc.state.createCustomer(org.organizationId);
  const { accessToken } = lc.state.issueCustomerToken(customer.id);
  const started = await post(
    `/v3.6/customer/action/start_chat?organization_id=${org.organizationId}`,
    accessToken,
    {
      chat: { thread: { events: [{ type: 'message', text: 'hi' }] } },
      continuous: true,
    },
  );
  expect(started.status).toBe(200);
  const chatId = (started.json as { chat_id: string }).chat_id;
  return { org, token: accessToken, chatId };
}

describe('LiveChat emulator', () => {
  it('answers with the documented error bodies', async () => {
    const org = lc.state.createOrganization();
    const noAuth = await post(
      `/v3.6/customer/action/list_chats?organization_id=${org.organizationId}`,
      'nope',
      {},
    );
    expect(noAuth).toEqual({
      status: 401,
      json: { error: { type: 'authentication', message: expect.any(String) } },
    });
    const badGrant = await fetch(`${lc.url}/v2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=x&client_id=cid&client_secret=secret',
    });
    expect(badGrant.status).toBe(400);
    expect(await badGrant.json()).toEqual({
      error: 'invalid_grant',
      error_description: expect.any(String),
    });
    const customerToken = await post('/v2/customer/token', 'bogus', {
      grant_type: 'agent_token',
      client_id: 'cid',
    });
    expect(customerToken).toEqual({
      status: 401,
      json: { oauth_exception: 'invalid_request', exception_description: expect.any(String) },
    });
    expect(lc.callsTo('list_chats').at(-1)).toMatchObject({
      authKind: 'invalid',
      status: 401,
      query: { organization_id: org.organizationId },
    });
  });

  it('supports the implicit flow (response_type=token) for the settings page', async () => {
    const org = lc.state.createOrganization();
    const res = await fetch(
      `${lc.url}/?response_type=token&client_id=cid&redirect_uri=${encodeURIComponent('https://app.example.com/app')}&state=z&auto=1`,
      { redirect: 'manual' },
    );
    const location = new URL(res.headers.get('location') ?? '');
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('state')).toBe('z');
    expect(
      lc.state.validAgentToken(fragment.get('access_token') ?? '', 'access')?.organizationId,
    ).toBe(org.organizationId);
  });

  it('delivers agent events, files and system messages with author filter, and honours the license switch', async () => {
    const { org, chatId } = await customerWithChat();
    const agentOnly = lc.registerWebhook({
      url: `${receiver.url}/agents`,
      action: 'incoming_event',
      secretKey: 's3',
      filters: { authorType: 'agent' },
      organizationId: org.organizationId,
    });
    const file = await lc.agentSendsFile(chatId, {
      name: 'a.txt',
      contentType: 'text/plain',
      data: Buffer.from('abc'),
    });
    expect(file.deliveries).toEqual([
      expect.objectContaining({ status: 200, webhookId: agentOnly.id }),
    ]);
    const served = await fetch(file.event.url ?? '');
    expect(await served.text()).toBe('abc');
    const system = await lc.systemMessage(chatId, {
      text: 'transferred',
      systemMessageType: 'transfer',
    });
    expect(system.event.authorId).toBeUndefined();
    expect(system.deliveries).toHaveLength(0); // system messages match no author_type filter
    lc.state.setWebhooksEnabled(org.organizationId, false);
    expect((await lc.agentSendsMessage(chatId, { text: 'muted' })).deliveries).toHaveLength(0);
    lc.state.setWebhooksEnabled(org.organizationId, true);
    const closed = await lc.agentDeactivatesChat(chatId);
    expect(closed.map((d) => d.action)).toEqual([]); // only incoming_event(agent) is registered here
    expect(
      receiver
        .bodies('incoming_event')
        .map((b) => (b.payload as { event: { type: string } }).event.type),
    ).toEqual(['file']);
    lc.unregisterWebhook(agentOnly.id);
  });

  it('redelivers raw bodies N times, retries failing receivers and sends app webhooks', async () => {
    const body = lc.webhookBody(
      'incoming_event',
      'org-x',
      { chat_id: 'C', thread_id: 'T', event: { id: 'E', type: 'message' } },
      { secretKey: 'k' },
    );
    const before = receiver.received.length;
    const raw = await lc.deliverWebhook(body, `${receiver.url}/raw`, { times: 3 });
    expect(raw.map((d) => d.status)).toEqual([200, 200, 200]);
    expect(receiver.received.slice(before).map((r) => r.body)).toEqual([body, body, body]);

    const { org, chatId } = await customerWithChat();
    const hook = lc.registerWebhook({
      url: `${receiver.url}/flaky`,
      action: 'incoming_event',
      secretKey: 'k',
      organizationId: org.organizationId,
    });
    receiver.status = 500;
    const failed = await lc.agentSendsMessage(chatId, { text: 'retry me' });
    expect(failed.deliveries.map((d) => [d.status, d.attempt])).toEqual([
      [500, 1],
      [500, 2],
      [500, 3],
    ]);
    lc.unregisterWebhook(hook.id);
    receiver.status = 200;

    const app = await lc.deliverAppWebhook(`${receiver.url}/app`, {
      event: 'application_uninstalled',
      organizationId: org.organizationId,
    });
    expect(app.status).toBe(200);
    expect(receiver.bodies('application_uninstalled').at(-1)).toMatchObject({
      clientID: 'cid',
      organizationID: org.organizationId,
      licenseID: org.licenseId,
      userID: org.accountId,
    });
  });

  it('injects latency and statuses per route and records them', async () => {
    const { org, token, chatId } = await customerWithChat();
    const fault = lc.faults.inject({
      route: 'get_chat',
      latencyMs: 30,
      status: 503,
      retryAfterSeconds: 1,
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(
        `${lc.url}/v3.6/customer/action/get_chat?organization_id=${org.organizationId}`,
        {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
          body: JSON.stringify({ chat_id: chatId }),
        },
      );
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({
        error: { type: 'service_unavailable', message: 'Injected fault' },
      });
    }
    expect(lc.faults.active).toHaveLength(0);
    expect(
      lc
        .callsTo('get_chat')
        .slice(-2)
        .map((c) => [c.status, c.faultId]),
    ).toEqual([
      [503, fault.id],
      [503, fault.id],
    ]);
    const ok = await post(
      `/v3.6/customer/action/get_chat?organization_id=${org.organizationId}`,
      token,
      { chat_id: chatId },
    );
    expect(ok.status).toBe(200);
  });

  it('enforces routing, file-URL expiry and token expiry on the emulator clock', async () => {
    const org = lc.state.createOrganization();
    const customer = lc.state.createCustomer(org.organizationId);
    const { accessToken } = lc.state.issueCustomerToken(customer.id);
    const base = `/v3.6/customer/action`;
    const q = `?organization_id=${org.organizationId}`;
    lc.state.setGroupsOnline(org.organizationId, false);
    expect((await post(`${base}/start_chat${q}`, accessToken, { continuous: false })).json).toEqual(
      {
        error: { type: 'groups_offline', message: expect.any(String) },
      },
    );
    const started = await post(`${base}/start_chat${q}`, accessToken, { continuous: true });
    expect(started.status).toBe(200);

    const form = new FormData();
    form.append('file', new Blob([Buffer.from('x')], { type: 'text/plain' }), 'x.txt');
    const upload = await fetch(`${lc.url}${base}/upload_file${q}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}` },
      body: form,
    });
    const { url } = (await upload.json()) as { url: string };
    lc.state.advanceTime(25 * 60 * 60 * 1000);
    const { accessToken: later } = lc.state.issueCustomerToken(customer.id);
    const expired = await post(`${base}/send_event${q}`, later, {
      chat_id: (started.json as { chat_id: string }).chat_id,
      event: { type: 'file', url },
    });
    expect(expired).toEqual({
      status: 400,
      json: { error: { type: 'validation', message: 'file url expired' } },
    });
    // Old customer token expired with the clock.
    expect((await post(`${base}/list_chats${q}`, accessToken, {})).status).toBe(401);
  });

  it('serves get_dynamic_configuration without auth', async () => {
    const org = lc.state.createOrganization();
    const res = await fetch(
      `${lc.url}/v3.6/customer/action/get_dynamic_configuration?license_id=${org.licenseId}`,
    );
    expect(await res.json()).toMatchObject({ organization_id: org.organizationId, group_id: 0 });
  });
});
