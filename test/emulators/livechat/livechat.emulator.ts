import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { accountsRoute, handleAccounts } from './accounts.routes';
import { configurationRoute, handleConfiguration } from './configuration.routes';
import { customerRoute, handleCustomerChat } from './customer-chat.routes';
import {
  AuthKind,
  CallRecord,
  EmulatorCore,
  EmulatorSettings,
  RouteContext,
  RouteResult,
} from './emulator-core';
import {
  DEFAULT_SCOPES,
  EmulatorChat,
  EmulatorEvent,
  EmulatorThread,
  LiveChatEmulatorState,
  Visibility,
  isChatActive,
  lastThread,
} from './emulator-state';
import { chatJson, eventJson } from './emulator-views';
import { LiveChatFaults } from './livechat-faults';
import {
  bearerOf,
  closeServer,
  BaseLatency,
  delay,
  JsonObject,
  parseBody,
  readBody,
  sendHtml,
  sendJson,
  sendRedirect,
  listen,
} from '../shared/http-toolkit';
import { EmulatorHttpError } from './livechat-errors';
import { parseMultipart } from './multipart.util';
import {
  AuthorType,
  RegisterWebhookOptions,
  SourceType,
  WebhookDelivery,
  WebhookDispatcher,
  WebhookRegistration,
} from './webhook-dispatcher';

export interface LiveChatEmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  apiVersion?: string;
  /** Whitelisted redirect URIs (prefix rule); empty accepts any. */
  redirectUris?: string[];
  /** Authorize page redirects at once (also per request with `&auto=1`). */
  autoApprove?: boolean;
  accessTokenTtlSeconds?: number;
  customerTokenTtlSeconds?: number;
  /** Scopes granted to new admins (default: customers:own, webhooks.state:ro/rw, chats--all:ro). */
  defaultScopes?: string[];
  /** Tokens per client per account before the oldest is silently revoked (LiveChat: 25). */
  tokenLimit?: number;
  webhookTimeoutMs?: number;
  /** Extra delivery attempts after a non-200 answer (default 0; LiveChat does up to 3). */
  webhookRetries?: number;
  /** Base URL to put in CDN links when reached through a proxy/container name. */
  publicUrl?: string;
}

/** The client id website-widget chats carry as their source (any id other than ours). */
export const WEBSITE_WIDGET_CLIENT_ID = 'c5e4f61e1a6c3b1521b541bc5c5a2ac5';

export interface AgentEventOptions {
  visibility?: Visibility;
  /** Agent id (an e-mail); default: the organization's first account. */
  authorId?: string;
  customId?: string;
  properties?: Record<string, unknown>;
  /** An agent writing into an inactive chat reopens it (new thread), as the agent app does. */
  resumeIfInactive?: boolean;
}

export interface AgentMessageOptions extends AgentEventOptions {
  text: string;
  /** Default `message`; e.g. `rich_message` with `extra.template_id/elements`. */
  type?: string;
  extra?: JsonObject;
}

export interface AgentFileOptions extends AgentEventOptions {
  name: string;
  contentType: string;
  /** Bytes to host on the emulator CDN; or give `url` directly. */
  data?: Buffer;
  url?: string;
  width?: number;
  height?: number;
}

export interface AgentEventResult {
  event: EmulatorEvent;
  chatId: string;
  threadId: string;
  /** Outgoing webhook attempts caused by this action (already answered). */
  deliveries: WebhookDelivery[];
}

export interface AppWebhookOptions {
  /** `application_installed`, `application_uninstalled`, or any other (e.g. `payment_collected`). */
  event: string;
  organizationId: string;
  licenseId?: number;
  userId?: string;
  clientId?: string;
  applicationId?: string;
  applicationName?: string;
}

/** A LiveChat stand-in: accounts host, Customer Chat API, Configuration API, CDN, webhooks. */
export class LiveChatEmulator {
  readonly state: LiveChatEmulatorState;
  readonly faults = new LiveChatFaults();
  /** Added to every API answer (accounts, Customer Chat, Configuration); not to pages or the CDN. */
  readonly baseLatency = new BaseLatency();
  readonly calls: CallRecord[] = [];
  readonly webhooks: WebhookDispatcher;
  readonly settings: EmulatorSettings;
  url = '';
  private readonly core: EmulatorCore;
  private server?: Server;

  constructor(private readonly options: LiveChatEmulatorOptions = {}) {
    this.settings = {
      clientId: options.clientId ?? 'emulator-client-id',
      clientSecret: options.clientSecret ?? 'emulator-client-secret',
      apiVersion: (options.apiVersion ?? '3.6').replace(/^v/, ''),
      redirectUris: options.redirectUris ?? [],
      autoApprove: options.autoApprove ?? false,
    };
    this.state = new LiveChatEmulatorState({
      clientId: this.settings.clientId,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 28_800,
      customerTokenTtlSeconds: options.customerTokenTtlSeconds ?? 28_800,
      defaultScopes: options.defaultScopes ?? DEFAULT_SCOPES,
      tokenLimit: options.tokenLimit ?? 25,
      codeTtlSeconds: 600,
    });
    this.webhooks = new WebhookDispatcher(this.state, {
      clientId: this.settings.clientId,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
      retries: options.webhookRetries ?? 0,
    });
    this.core = { state: this.state, webhooks: this.webhooks, settings: this.settings };
  }

  /** Every API call answered `ms` later (the production shape); 0 turns it off. */
  setBaseLatency(ms: number): void {
    this.baseLatency.set(ms);
  }

  get clientId(): string {
    return this.settings.clientId;
  }

  get clientSecret(): string {
    return this.settings.clientSecret;
  }

  /** Every webhook attempt made so far (with the status the receiver answered). */
  get deliveries(): readonly WebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) {
          sendJson(res, 500, { error: { type: 'internal', message: 'Emulator failure' } });
        }
      });
    });
    this.server = server;
    const url = await listen(server, this.options.port, this.options.host);
    this.url = this.options.publicUrl ?? url;
    return this;
  }

  /** Waits for background webhooks, then drops every connection (hung ones included). */
  async close(): Promise<void> {
    await this.webhooks.flush();
    const server = this.server;
    if (server === undefined) {
      return;
    }
    this.server = undefined;
    await closeServer(server);
  }

  // ---- recording ----

  /** Calls by route name (`send_event`, `token`, `customer_token`, ...) or exact path. */
  callsTo(route: string): CallRecord[] {
    return this.calls.filter((c) => c.route === route || c.path === route);
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  // ---- webhooks ----

  registerWebhook(options: RegisterWebhookOptions): WebhookRegistration {
    return this.webhooks.register(options);
  }

  unregisterWebhook(id: string): void {
    this.webhooks.unregister(id);
  }

  /** POSTs a raw body `times` times (redeliveries, hand-made or tampered bodies). */
  deliverWebhook(
    body: unknown,
    url: string,
    options: { times?: number } = {},
  ): Promise<WebhookDelivery[]> {
    return this.webhooks.deliverRaw(url, body, options.times ?? 1);
  }

  /** Builds a v3.6 chat webhook body as LiveChat would send it. */
  webhookBody(
    action: string,
    organizationId: string,
    payload: JsonObject,
    options: { secretKey?: string; webhookId?: string; additionalData?: JsonObject } = {},
  ): JsonObject {
    const body: JsonObject = {
      webhook_id: options.webhookId ?? randomBytes(12).toString('hex'),
      secret_key: options.secretKey ?? '',
      action,
      organization_id: organizationId,
      payload,
    };
    if (options.additionalData !== undefined) {
      body.additional_data = options.additionalData;
    }
    return body;
  }

  /** Sends an App webhook (no secret, no signature: exactly as LiveChat does). */
  async deliverAppWebhook(url: string, options: AppWebhookOptions): Promise<WebhookDelivery> {
    const organization = this.state.organization(options.organizationId);
    const applicationId = options.applicationId ?? 'emulatorApp';
    const body = {
      applicationID: applicationId,
      applicationName: options.applicationName ?? 'Instagram Messaging (emulated)',
      clientID: options.clientId ?? this.settings.clientId,
      date: new Date(this.state.now()).toISOString(),
      event: options.event,
      licenseID: options.licenseId ?? organization?.licenseId ?? 0,
      organizationID: options.organizationId,
      payload: { applicationID: applicationId },
      userID: options.userId ?? organization?.accounts[0]?.accountId ?? '',
    };
    const [delivery] = await this.webhooks.deliverRaw(url, body, 1);
    return delivery;
  }

  /** Waits until webhooks caused by API calls have been answered. */
  flushWebhooks(): Promise<void> {
    return this.webhooks.flush();
  }

  /**
   * A chat a visitor started in the license's website widget (not through our app): its own
   * customer, the widget's client id as source, our chat properties absent. Fires no webhook;
   * drive it with `agentSendsMessage` (or `webhookBody`).
   */
  startWebsiteChat(organizationId: string): { chatId: string; customerId: string } {
    const customer = this.state.createCustomer(organizationId);
    const organization = this.state.requireOrganization(organizationId);
    const chat = this.state.createChat({
      organizationId,
      customerId: customer.id,
      groupIds: [organization.groups[0]?.id ?? 0],
      sourceClientId: WEBSITE_WIDGET_CLIENT_ID,
    });
    this.state.openThread(chat, { active: true });
    return { chatId: chat.id, customerId: customer.id };
  }

  // ---- agent side (what a human in the LiveChat agent app does) ----

  async agentSendsMessage(chatId: string, options: AgentMessageOptions): Promise<AgentEventResult> {
    const type = options.type ?? 'message';
    return this.agentEvent(chatId, options, {
      type,
      text: options.text,
      extra: options.extra,
    });
  }

  async agentSendsFile(chatId: string, options: AgentFileOptions): Promise<AgentEventResult> {
    let url = options.url;
    const chat = this.state.requireChat(chatId);
    if (options.data !== undefined) {
      const organization = this.state.requireOrganization(chat.organizationId);
      const path = `/cdn/api/file/lc/att/${organization.licenseId}/${randomBytes(12).toString('hex')}/${encodeURIComponent(options.name)}`;
      url = `${this.url}${path}`;
      this.state.addFile({
        path,
        url,
        name: options.name,
        contentType: options.contentType,
        data: options.data,
        organizationId: chat.organizationId,
        uploadedAt: this.state.now(),
        used: true,
      });
    }
    if (url === undefined) {
      throw new Error('agentSendsFile needs data or url');
    }
    return this.agentEvent(chatId, options, {
      type: 'file',
      url,
      name: options.name,
      contentType: options.contentType,
      size: options.data?.length ?? 0,
      width: options.width,
      height: options.height,
    });
  }

  /**
   * The chat as an agent sees it (Agent Chat API `get_chat` shape): users with the customer's
   * name and session fields, `access.group_ids`, the last thread's events.
   */
  agentChatView(chatId: string): JsonObject {
    const chat = this.state.requireChat(chatId);
    return chatJson(this.state, chat, lastThread(chat), 'agent');
  }

  /**
   * A LiveChat bot (ChatBot, an AI agent…) writes in the chat: an agent-authored event whose
   * author id is the bot's hex id (`state.createBot`), exactly as a person's would otherwise look.
   */
  botSendsMessage(
    chatId: string,
    options: Omit<AgentMessageOptions, 'authorId'> & { botId: string },
  ): Promise<AgentEventResult> {
    const { botId, ...rest } = options;
    if (this.state.bot(botId) === undefined) {
      throw new Error(`unknown bot ${botId}`);
    }
    return this.agentSendsMessage(chatId, { ...rest, authorId: botId });
  }

  /** An internal note (whisper): `visibility: "agents"`, must never reach the customer. */
  agentSendsInternalNote(
    chatId: string,
    options: Omit<AgentMessageOptions, 'visibility' | 'type'>,
  ): Promise<AgentEventResult> {
    return this.agentSendsMessage(chatId, { ...options, visibility: 'agents' });
  }

  /** A system message (no author), as LiveChat posts on transfers, closes, etc. */
  async systemMessage(
    chatId: string,
    options: { text: string; systemMessageType: string; visibility?: Visibility },
  ): Promise<AgentEventResult> {
    const chat = this.state.requireChat(chatId);
    const thread = this.requireActiveThread(chat, true);
    const event = this.state.addEvent(thread, {
      type: 'system_message',
      text: options.text,
      systemMessageType: options.systemMessageType,
      visibility: options.visibility ?? 'all',
    });
    const deliveries = await this.webhooks.dispatch(
      chat.organizationId,
      'incoming_event',
      { chat_id: chat.id, thread_id: thread.id, event: eventJson(event) },
      { chat, sourceType: 'system' },
    );
    return { event, chatId, threadId: thread.id, deliveries };
  }

  /** An agent closes the chat: system message + `chat_deactivated`. */
  async agentDeactivatesChat(
    chatId: string,
    options: { agentId?: string } = {},
  ): Promise<WebhookDelivery[]> {
    const chat = this.state.requireChat(chatId);
    const thread = lastThread(chat);
    if (thread === undefined || !thread.active) {
      throw new Error(`chat ${chatId} is not active`);
    }
    const agentId = options.agentId ?? this.defaultAgentId(chat);
    const notice = this.state.addEvent(thread, {
      type: 'system_message',
      text: `${agentId} closed the chat`,
      systemMessageType: 'manual_archived_agent',
      visibility: 'all',
    });
    thread.active = false;
    const first = await this.webhooks.dispatch(
      chat.organizationId,
      'incoming_event',
      { chat_id: chat.id, thread_id: thread.id, event: eventJson(notice) },
      { chat, sourceType: 'system' },
    );
    const second = await this.webhooks.dispatch(
      chat.organizationId,
      'chat_deactivated',
      { chat_id: chat.id, thread_id: thread.id, user_id: agentId },
      { chat, sourceType: 'other_clients' },
    );
    return [...first, ...second];
  }

  /** An agent edits an event: `event_updated`. */
  async agentUpdatesEvent(
    chatId: string,
    eventId: string,
    options: { text: string },
  ): Promise<AgentEventResult> {
    const chat = this.state.requireChat(chatId);
    const found = this.state.findEvent(chatId, eventId);
    if (found === undefined) {
      throw new Error(`unknown event ${eventId}`);
    }
    found.event.text = options.text;
    const authorType: AuthorType | undefined =
      found.event.authorId === undefined
        ? undefined
        : found.event.authorId === chat.customerId
          ? 'customer'
          : 'agent';
    const deliveries = await this.webhooks.dispatch(
      chat.organizationId,
      'event_updated',
      { chat_id: chat.id, thread_id: found.thread.id, event: eventJson(found.event) },
      { chat, authorType, sourceType: 'other_clients' },
    );
    return { event: found.event, chatId, threadId: found.thread.id, deliveries };
  }

  private defaultAgentId(chat: EmulatorChat): string {
    const organization = this.state.requireOrganization(chat.organizationId);
    return organization.accounts[0]?.email ?? 'agent@example.com';
  }

  private requireActiveThread(chat: EmulatorChat, resumeIfInactive: boolean): EmulatorThread {
    const thread = lastThread(chat);
    if (thread !== undefined && thread.active) {
      return thread;
    }
    if (!resumeIfInactive) {
      throw new Error(`chat ${chat.id} is inactive`);
    }
    if (this.state.activeChatOf(chat.customerId) !== undefined) {
      throw new Error(`customer of chat ${chat.id} already has another active chat`);
    }
    return this.state.openThread(chat, { active: true });
  }

  private async agentEvent(
    chatId: string,
    options: AgentEventOptions,
    fields: Omit<EmulatorEvent, 'id' | 'createdAt' | 'deleted' | 'visibility' | 'authorId'>,
  ): Promise<AgentEventResult> {
    const chat = this.state.requireChat(chatId);
    const authorId = options.authorId ?? this.defaultAgentId(chat);
    const wasActive = isChatActive(chat);
    const thread = this.requireActiveThread(chat, options.resumeIfInactive ?? true);
    if (!chat.agentIds.includes(authorId)) {
      chat.agentIds.push(authorId);
    }
    if (!thread.userIds.includes(authorId)) {
      thread.userIds.push(authorId);
    }
    const deliveries: WebhookDelivery[] = [];
    if (!wasActive) {
      deliveries.push(
        ...(await this.webhooks.dispatch(
          chat.organizationId,
          'incoming_chat',
          { chat: chatJson(this.state, chat, thread, 'agent') },
          { chat, sourceType: 'other_clients' },
        )),
      );
    }
    const stored: Omit<EmulatorEvent, 'id' | 'createdAt' | 'deleted'> = {
      ...fields,
      authorId,
      visibility: options.visibility ?? 'all',
    };
    if (options.customId !== undefined) {
      stored.customId = options.customId;
    }
    if (options.properties !== undefined) {
      stored.properties = options.properties;
    }
    for (const key of Object.keys(stored) as Array<keyof typeof stored>) {
      if (stored[key] === undefined) {
        delete stored[key];
      }
    }
    const event = this.state.addEvent(thread, stored);
    deliveries.push(
      ...(await this.webhooks.dispatch(
        chat.organizationId,
        'incoming_event',
        { chat_id: chat.id, thread_id: thread.id, event: eventJson(event) },
        { chat, authorType: 'agent', sourceType: 'other_clients' },
      )),
    );
    return { event, chatId, threadId: thread.id, deliveries };
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const parsed = parseBody(raw, contentType, { otherwise: 'json' });
    const bearer =
      bearerOf(req) ??
      (path === '/v2/info' || path === '/v2/token' || path === '/v2/customer/info'
        ? (url.searchParams.get('code') ?? undefined)
        : undefined);
    const route = this.routeOf(method, path);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) {
        headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
    const call: CallRecord = {
      route: route.name,
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body: parsed.body,
      contentType: contentType || undefined,
      authKind: this.authKindOf(bearer),
      token: bearer,
      headers,
      at: Date.now(),
    };
    if (contentType.includes('multipart/form-data')) {
      call.multipart = (parseMultipart(raw, contentType) ?? []).map((p) => ({
        name: p.name,
        filename: p.filename,
        contentType: p.contentType,
        size: p.data.length,
      }));
    }
    this.calls.push(call);
    const ctx: RouteContext = {
      req,
      res,
      method,
      path,
      query: url.searchParams,
      raw,
      body: parsed.body,
      bodyValid: parsed.valid,
      contentType,
      bearer,
      baseUrl: this.url,
      call,
    };

    if (route.family !== 'page') {
      await this.baseLatency.wait();
    }
    const fault = this.faults.take(route.name, path);
    if (fault !== undefined) {
      call.faultId = fault.id;
      if (fault.expireToken === true && bearer !== undefined) {
        this.state.expireToken(bearer);
      }
      const wait = (fault.latencyMs ?? 0) + Math.random() * (fault.jitterMs ?? 0);
      if (wait > 0) {
        await delay(wait);
      }
      if (fault.hang === true) {
        return;
      } // never answer; close() drops the socket
      if (fault.status !== undefined) {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) {
          headers['Retry-After'] = String(fault.retryAfterSeconds);
        }
        const body = fault.body ?? faultBody(route.family, fault.status, fault.errorType);
        this.write(ctx, { status: fault.status, json: body, headers });
        return;
      }
    }

    let result: RouteResult;
    try {
      result = route.handler(ctx);
    } catch (err) {
      if (err instanceof EmulatorHttpError) {
        result = { status: err.status, json: err.body, headers: err.headers };
      } else {
        result = { status: 500, json: faultBody(route.family, 500) };
      }
    }
    this.write(ctx, result);
  }

  private write(ctx: RouteContext, result: RouteResult): void {
    ctx.call.status = result.status;
    const res = ctx.res;
    if (res.destroyed) {
      return;
    }
    if (result.redirect !== undefined) {
      sendRedirect(res, result.redirect, result.status, result.headers);
    } else if (result.html !== undefined) {
      sendHtml(res, result.status, result.html);
    } else if (result.bytes !== undefined) {
      res.writeHead(result.status, {
        'Content-Type': result.bytes.contentType,
        'Content-Length': result.bytes.data.length,
        ...result.headers,
      });
      res.end(result.bytes.data);
    } else {
      sendJson(res, result.status, result.json, result.headers);
    }
  }

  private authKindOf(token: string | undefined): AuthKind {
    if (token === undefined) {
      return 'none';
    }
    const agent = this.state.agentTokens.get(token);
    if (agent !== undefined) {
      return agent.kind === 'access' ? 'agent' : 'refresh';
    }
    if (this.state.customerTokens.has(token)) {
      return 'customer';
    }
    return 'invalid';
  }

  private routeOf(
    method: string,
    path: string,
  ): { name: string; family: RouteFamily; handler: (ctx: RouteContext) => RouteResult } {
    const accounts = accountsRoute(method, path);
    if (accounts !== undefined) {
      const family: RouteFamily = path.startsWith('/v2/customer/')
        ? 'customer-accounts'
        : path.startsWith('/v2/')
          ? 'accounts'
          : 'page';
      return { name: accounts, family, handler: (ctx) => handleAccounts(this.core, accounts, ctx) };
    }
    const customer = customerRoute(path);
    if (customer !== undefined) {
      return {
        name: customer.method,
        family: 'chat',
        handler: (ctx) => handleCustomerChat(this.core, customer.version, customer.method, ctx),
      };
    }
    const configuration = configurationRoute(path);
    if (configuration !== undefined) {
      return {
        name: configuration.method,
        family: 'chat',
        handler: (ctx) =>
          handleConfiguration(this.core, configuration.version, configuration.method, ctx),
      };
    }
    if (method === 'GET' && path.startsWith('/cdn/')) {
      return {
        name: 'cdn',
        family: 'page',
        handler: () => {
          const file = this.state.files.get(path);
          if (file === undefined) {
            return { status: 404, json: { error: 'not found' } };
          }
          return { status: 200, bytes: { data: file.data, contentType: file.contentType } };
        },
      };
    }
    return {
      name: 'unknown',
      family: 'chat',
      handler: () => ({
        status: 404,
        json: { error: { type: 'not_found', message: 'Unknown path' } },
      }),
    };
  }
}

type RouteFamily = 'chat' | 'accounts' | 'customer-accounts' | 'page';

const CHAT_TYPES: Record<number, string> = {
  400: 'validation',
  401: 'authentication',
  403: 'authorization',
  404: 'not_found',
  408: 'request_timeout',
  413: 'entity_too_large',
  429: 'too_many_requests',
  500: 'internal',
  502: 'service_unavailable',
  503: 'service_unavailable',
  504: 'request_timeout',
};

const ACCOUNTS_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'access_denied',
  404: 'resource_not_found',
  422: 'invalid_request',
  429: 'temporarily_unavailable',
};

/** The documented error body for an injected status, per API family. */
function faultBody(family: RouteFamily, status: number, type?: string): unknown {
  if (family === 'chat' || family === 'page') {
    return {
      error: {
        type: type ?? CHAT_TYPES[status] ?? (status >= 500 ? 'internal' : 'validation'),
        message: 'Injected fault',
      },
    };
  }
  const code =
    type ?? ACCOUNTS_CODES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request');
  return family === 'customer-accounts'
    ? { oauth_exception: code, exception_description: 'Injected fault' }
    : { error: code, error_description: 'Injected fault' };
}

/** Starts an emulator on a free port (or `options.port`). Remember `await lc.close()`. */
export async function startLiveChatEmulator(
  options: LiveChatEmulatorOptions = {},
): Promise<LiveChatEmulator> {
  return new LiveChatEmulator(options).start();
}

export type { SourceType };
