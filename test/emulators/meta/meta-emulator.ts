import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHmac } from 'node:crypto';
import { ActiveFault, FaultSpec, MetaFaults, routeMatches } from './meta-faults';
import {
  BaseLatency,
  closeServer,
  delay,
  listen,
  parseBody,
  readBody,
} from '../shared/http-toolkit';
import {
  businessUseCaseUsage,
  EmulatorResponse,
  graphError,
  RATE_LIMIT_CODES,
  USER_UNAVAILABLE,
  WINDOW_CLOSED,
} from './meta-graph-errors';
import { MetaGraphRoutes } from './meta-graph-routes';
import {
  INSTAGRAM_HOST_PREFIXES,
  InstagramHost,
  InstagramLoginRoutes,
} from './instagram-login-routes';
import { DialogDecision, MetaLoginDialog } from './meta-login-dialog';
import { MetaState, SentMessage } from './meta-state';
import {
  buildWebhookPayload,
  CustomerMessage,
  customerMessageItem,
  deletedItem,
  echoItem,
  hubSignature256,
  hubSignatureSha1,
  ItemBase,
  MessagingItem,
  postbackItem,
  reactionItem,
  readItem,
  referralItem,
  serializeLikeMeta,
  WebhookEntryInput,
  WebhookPayload,
} from './meta-webhooks';

export interface MetaEmulatorOptions {
  appId?: string;
  appSecret?: string;
  /** The Instagram app of "API setup with Instagram login" (its own id and secret). */
  instagramAppId?: string;
  instagramAppSecret?: string;
  graphVersion?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Reject user/Page-token calls without `appsecret_proof` ("Require App Secret"). Default true. */
  requireAppSecretProof?: boolean;
  /** The app has the Human Agent feature. Default false. */
  humanAgent?: boolean;
  /** Emit an echo webhook per Send API message. Default true. */
  echoes?: boolean;
  /** GET attachment URLs before accepting a send. Default false (only checks it is a URL). */
  fetchAttachments?: boolean;
  /** "Valid OAuth Redirect URIs"; unset accepts any. */
  allowedRedirectUris?: string[];
  webhookUrl?: string;
  /** Secret that signs webhooks (default: the app secret). */
  webhookSecret?: string;
  webhookTimeoutMs?: number;
  /** Clock for windows and token expiry (default Date.now). */
  now?: () => number;
}

export interface RecordedCall {
  id: number;
  method: string;
  /** Full path as requested, e.g. `/v26.0/me/messages`. */
  path: string;
  /** Path without the host prefix and version, e.g. `/me/messages`. */
  route: string;
  /** Which Meta host was emulated. */
  host: 'graph.facebook.com' | 'www.facebook.com' | 'cdn' | InstagramHostName;
  /** `v26.0`, or undefined when the call was unversioned. */
  version?: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON or form body ({} when none). */
  body: Record<string, unknown>;
  rawBody: string;
  /** Set once answered (undefined while hanging). */
  status?: number;
  /** A fault answered instead of the emulated API. */
  faulted: boolean;
  at: number;
}

export interface WebhookSendOptions {
  /** `valid` (default), `wrong` (signed with another secret), `missing`, or a literal header value. */
  signature?: 'valid' | 'wrong' | 'missing' | { header: string };
  /** Serialise as plain JSON.stringify instead of Meta's escaped form. */
  plainJson?: boolean;
  /** Send even if the account's Page is not subscribed (Meta would not). */
  force?: boolean;
  url?: string;
}

export interface WebhookDelivery {
  id: number;
  url: string;
  /** The exact bytes sent (signature is over these). */
  rawBody: Buffer;
  payload: WebhookPayload;
  headers: Record<string, string>;
  kind: 'webhook' | 'echo' | 'redelivery';
  /** Our side's HTTP status; undefined when skipped or on a network error. */
  status?: number;
  responseText?: string;
  error?: string;
  /** Why nothing was sent (no URL, account not subscribed). */
  skipped?: 'no-webhook-url' | 'not-subscribed';
  durationMs?: number;
}

export interface SentWebhook {
  delivery: WebhookDelivery;
  item: MessagingItem;
  /** The message id, for message events. */
  mid?: string;
}

const VERSION_RE = /^v\d+\.\d+$/;

export type InstagramHostName = 'www.instagram.com' | 'api.instagram.com' | 'graph.instagram.com';

const INSTAGRAM_HOST_NAMES: Record<InstagramHost, InstagramHostName> = {
  oauth: 'www.instagram.com',
  api: 'api.instagram.com',
  graph: 'graph.instagram.com',
};

/**
 * In-process Meta: Graph API + Facebook Login dialog + CDN + webhook sender, over real HTTP.
 * Start with `startMetaEmulator()`; always `close()` it.
 */
export class MetaEmulator {
  readonly state: MetaState;
  readonly faults = new MetaFaults();
  /** Added to every Graph answer (graph.facebook.com and the Instagram API hosts); not to the
   * login dialogs, the CDN or `/_emulator` control calls. */
  readonly baseLatency = new BaseLatency();
  readonly calls: RecordedCall[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  readonly appId: string;
  readonly appSecret: string;
  readonly instagramAppId: string;
  readonly instagramAppSecret: string;
  readonly graphVersion: string;
  url = '';
  webhookUrl: string | undefined;
  webhookSecret: string;

  private readonly server: Server;
  private readonly routes: MetaGraphRoutes;
  private readonly dialog: MetaLoginDialog;
  private readonly instagram: InstagramLoginRoutes;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly clock: () => number;
  private nextCallId = 1;
  private nextDeliveryId = 1;
  private closed = false;
  /** Bumped by reset(): echoes scheduled before it are dropped instead of leaking into the next test. */
  private generation = 0;

  constructor(private readonly options: MetaEmulatorOptions = {}) {
    this.appId = options.appId ?? '1234567890123456';
    this.appSecret = options.appSecret ?? 'emulated-app-secret';
    this.instagramAppId = options.instagramAppId ?? '9876543210987654';
    this.instagramAppSecret = options.instagramAppSecret ?? 'emulated-instagram-app-secret';
    this.graphVersion = options.graphVersion ?? 'v26.0';
    this.clock = options.now ?? Date.now;
    this.state = new MetaState(this.clock, {
      humanAgent: options.humanAgent,
      echoes: options.echoes,
      fetchAttachments: options.fetchAttachments,
    });
    this.webhookUrl = options.webhookUrl;
    this.webhookSecret = options.webhookSecret ?? this.appSecret;
    this.routes = new MetaGraphRoutes(this.state, {
      appId: this.appId,
      appSecret: this.appSecret,
      requireAppSecretProof: options.requireAppSecretProof ?? true,
      onSent: (message) => this.emitEcho(message),
    });
    this.dialog = new MetaLoginDialog(this.state, this.appId, options.allowedRedirectUris);
    this.instagram = new InstagramLoginRoutes(this.state, this.routes, {
      igAppId: this.instagramAppId,
      igAppSecret: this.instagramAppSecret,
      allowedRedirectUris: options.allowedRedirectUris,
    });
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`emulator error: ${err instanceof Error ? err.message : String(err)}`);
        }
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  async listen(): Promise<this> {
    this.url = await listen(this.server, this.options.port, this.options.host);
    this.state.baseUrl = this.url;
    return this;
  }

  /** INSTAGRAM_OAUTH_URL: the emulated www.instagram.com (authorization dialog). */
  get instagramOauthUrl(): string {
    return `${this.url}${INSTAGRAM_HOST_PREFIXES.oauth}`;
  }

  /** INSTAGRAM_API_URL: the emulated api.instagram.com (code exchange). */
  get instagramApiUrl(): string {
    return `${this.url}${INSTAGRAM_HOST_PREFIXES.api}`;
  }

  /** INSTAGRAM_GRAPH_URL: the emulated graph.instagram.com. */
  get instagramGraphUrl(): string {
    return `${this.url}${INSTAGRAM_HOST_PREFIXES.graph}`;
  }

  /** The four URL variables pointing an app at this emulator's Instagram Login hosts. */
  instagramLoginEnv(): Record<string, string> {
    return {
      META_INSTAGRAM_APP_ID: this.instagramAppId,
      META_INSTAGRAM_APP_SECRET: this.instagramAppSecret,
      INSTAGRAM_OAUTH_URL: this.instagramOauthUrl,
      INSTAGRAM_API_URL: this.instagramApiUrl,
      INSTAGRAM_GRAPH_URL: this.instagramGraphUrl,
    };
  }

  /** Stops the server, dropping hanging requests, after in-flight webhook sends settle. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    await closeServer(this.server);
  }

  /**
   * Clears state, calls, deliveries, faults and the base latency (options stay). Echoes not yet sent are dropped;
   * `await idle()` first if a POST may already be in flight.
   */
  reset(): void {
    this.generation++;
    this.state.reset();
    this.state.baseUrl = this.url;
    this.faults.clear();
    this.baseLatency.set(0);
    this.calls.length = 0;
    this.deliveries.length = 0;
  }

  /** Every Graph call answered `ms` later (the production shape); 0 turns it off. */
  setBaseLatency(ms: number): void {
    this.baseLatency.set(ms);
  }

  // ------------------------------------------------------------ recording helpers

  /**
   * Calls by method and route (`/me/messages`, `/:id/subscribed_apps`), oldest first; on one host
   * when `host` is given (`graph.instagram.com`…).
   */
  callsTo(method: string, route: string, host?: RecordedCall['host']): RecordedCall[] {
    const m = method.toUpperCase();
    return this.calls.filter(
      (c) => c.method === m && routeMatches(route, c.route) && (!host || c.host === host),
    );
  }

  lastCallTo(method: string, route: string, host?: RecordedCall['host']): RecordedCall | undefined {
    const matching = this.callsTo(method, route, host);
    return matching[matching.length - 1];
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** Polls until `count` answered calls match (no fixed sleeps in tests). */
  async waitForCalls(
    method: string,
    route: string,
    count = 1,
    timeoutMs = 10_000,
    host?: RecordedCall['host'],
  ): Promise<RecordedCall[]> {
    return this.poll(`${count} × ${method} ${route}`, timeoutMs, () => {
      const answered = this.callsTo(method, route, host).filter((c) => c.status !== undefined);
      return answered.length >= count ? answered : undefined;
    });
  }

  /** Polls until the condition returns a value (not undefined/false). */
  async poll<T>(what: string, timeoutMs: number, probe: () => T | undefined | false): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) {
        return value;
      }
      if (Date.now() > deadline) {
        throw new Error(`meta emulator: timed out waiting for ${what}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Resolves once every webhook send in flight (echoes included) has settled. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }

  // ------------------------------------------------------------ login helpers

  /**
   * Completes a login as the browser would, without HTTP: returns the URL Facebook redirects to
   * (`redirect_uri?code=…&state=…` or the `error=access_denied` form).
   */
  completeLogin(
    dialogUrl: string,
    options: { decision?: DialogDecision; grantScopes?: string[] } = {},
  ): string {
    const url = new URL(dialogUrl);
    const version = url.pathname.split('/').filter(Boolean)[0] ?? this.graphVersion;
    const request = this.dialog.open(version, url.searchParams);
    if ('status' in request) {
      throw new Error(`login dialog rejected the URL: ${String(request.rawBody)}`);
    }
    return this.dialog.decide(request.id, options.decision ?? 'continue', options.grantScopes);
  }

  /** The Instagram Login counterpart of completeLogin: the URL Instagram redirects to. */
  completeInstagramLogin(
    dialogUrl: string,
    options: { decision?: DialogDecision; grantScopes?: string[] } = {},
  ): string {
    const request = this.instagram.open(new URL(dialogUrl).searchParams);
    if ('status' in request) {
      throw new Error(`Instagram authorization rejected the URL: ${String(request.rawBody)}`);
    }
    return this.instagram.decide(request.id, options.decision ?? 'continue', options.grantScopes);
  }

  /** A `signed_request` as Meta posts to the deauthorize / data-deletion callbacks. */
  signedRequest(input: {
    userId: string;
    issuedAt?: number;
    algorithm?: string;
    secret?: string;
  }): string {
    const payload = {
      algorithm: input.algorithm ?? 'HMAC-SHA256',
      expires: Math.floor(this.clock() / 1000) + 3600,
      issued_at: input.issuedAt ?? Math.floor(this.clock() / 1000),
      user_id: input.userId,
    };
    const payloadPart = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const sig = createHmac('sha256', input.secret ?? this.appSecret)
      .update(payloadPart)
      .digest('base64url');
    return `${sig}.${payloadPart}`;
  }

  /**
   * Posts `signed_request` form-encoded to a callback (deauthorize: the user's tokens die first,
   * as when they remove the app). Returns our side's status and body.
   */
  async postSignedRequest(
    url: string,
    input: { userId: string; deauthorize?: boolean; signedRequest?: string },
  ): Promise<{ status: number; text: string }> {
    if (input.deauthorize && this.state.users.has(input.userId)) {
      this.state.removeApp(input.userId);
    }
    const form = new URLSearchParams({
      signed_request: input.signedRequest ?? this.signedRequest({ userId: input.userId }),
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      signal: AbortSignal.timeout(this.options.webhookTimeoutMs ?? 10_000),
    });
    return { status: res.status, text: await res.text() };
  }

  // ------------------------------------------------------------ webhooks

  setWebhookUrl(url: string | undefined, secret?: string): void {
    this.webhookUrl = url;
    if (secret !== undefined) {
      this.webhookSecret = secret;
    }
  }

  setEchoes(enabled: boolean): void {
    this.state.echoes = enabled;
  }

  /** The customer writes to the business: sets their window and delivers the webhook. */
  async customerSends(
    input: ItemBase & { message?: CustomerMessage; text?: string; mid?: string; standby?: boolean },
    options: WebhookSendOptions = {},
  ): Promise<SentWebhook> {
    const message: CustomerMessage = { ...input.message };
    if (input.text !== undefined) {
      message.text = input.text;
    }
    message.attachments = message.attachments?.map((a) =>
      a.url !== undefined || a.payload !== undefined ? a : { ...a, url: this.hostFor(a.type) },
    );
    const mid = input.mid ?? this.state.newMid(input.igAccountId);
    const item = customerMessageItem({ ...input, mid, message }, this.clock());
    const delivery = await this.sendItems(input.igAccountId, [item], options, input.standby);
    return { delivery, item, mid };
  }

  async customerReacts(
    input: ItemBase & {
      mid: string;
      action?: 'react' | 'unreact';
      reaction?: string;
      emoji?: string;
    },
    options: WebhookSendOptions = {},
  ): Promise<SentWebhook> {
    const item = reactionItem(input, this.clock());
    return {
      delivery: await this.sendItems(input.igAccountId, [item], options),
      item,
      mid: input.mid,
    };
  }

  async customerDeletes(
    input: ItemBase & { mid: string },
    options: WebhookSendOptions = {},
  ): Promise<SentWebhook> {
    const item = deletedItem(input, this.clock());
    return {
      delivery: await this.sendItems(input.igAccountId, [item], options),
      item,
      mid: input.mid,
    };
  }

  async customerPostback(
    input: ItemBase & { title: string; payload: string; mid?: string },
    options: WebhookSendOptions = {},
  ): Promise<SentWebhook> {
    const mid = input.mid ?? this.state.newMid(input.igAccountId);
    const item = postbackItem({ ...input, mid }, this.clock());
    return { delivery: await this.sendItems(input.igAccountId, [item], options), item, mid };
  }

  async customerReads(
    input: ItemBase & { mid: string },
    options: WebhookSendOptions = {},
  ): Promise<SentWebhook> {
    const item = readItem(input, this.clock());
    return {
      delivery: await this.sendItems(input.igAccountId, [item], options),
      item,
      mid: input.mid,
    };
  }

  /** The customer mentions the business in their story (CDN URL hosted by the emulator). */
  async customerMentionsInStory(
    input: ItemBase & { url?: string; mid?: string },
    options: WebhookSendOptions = {},
  ): Promise<SentWebhook> {
    return this.customerSends(
      {
        ...input,
        message: {
          attachments: [{ type: 'story_mention', url: input.url ?? this.hostFor('image') }],
        },
      },
      options,
    );
  }

  async customerReferral(
    input: ItemBase & { ref: string; source?: string; type?: string },
    options: WebhookSendOptions = {},
  ): Promise<SentWebhook> {
    const item = referralItem(input, this.clock());
    return { delivery: await this.sendItems(input.igAccountId, [item], options), item };
  }

  /** A reply typed by the business in the Instagram app: an echo without our app id. */
  async businessRepliesInApp(
    input: ItemBase & {
      text?: string;
      attachments?: Array<{ type: string; url?: string }>;
      mid?: string;
      appId?: string;
    },
    options: WebhookSendOptions = {},
  ): Promise<SentWebhook> {
    const mid = input.mid ?? this.state.newMid(input.igAccountId);
    const item = echoItem({ ...input, mid }, this.clock());
    return { delivery: await this.sendItems(input.igAccountId, [item], options), item, mid };
  }

  /** Several entries, each with several items, in one POST (items from `build*` helpers). */
  async sendBatch(
    entries: WebhookEntryInput[],
    options: WebhookSendOptions = {},
  ): Promise<WebhookDelivery> {
    return this.sendPayload(buildWebhookPayload(entries, this.clock()), options, 'webhook');
  }

  /** Item builders for batches (no side effects until sent). */
  readonly build = {
    message: (
      input: ItemBase & { message?: CustomerMessage; text?: string; mid?: string },
    ): MessagingItem => {
      const message: CustomerMessage = { ...input.message };
      if (input.text !== undefined) {
        message.text = input.text;
      }
      message.attachments = message.attachments?.map((a) =>
        a.url !== undefined || a.payload !== undefined ? a : { ...a, url: this.hostFor(a.type) },
      );
      return customerMessageItem(
        { ...input, mid: input.mid ?? this.state.newMid(input.igAccountId), message },
        this.clock(),
      );
    },
    reaction: (
      input: ItemBase & {
        mid: string;
        action?: 'react' | 'unreact';
        reaction?: string;
        emoji?: string;
      },
    ) => reactionItem(input, this.clock()),
    deleted: (input: ItemBase & { mid: string }) => deletedItem(input, this.clock()),
    postback: (input: ItemBase & { title: string; payload: string; mid?: string }) =>
      postbackItem(
        { ...input, mid: input.mid ?? this.state.newMid(input.igAccountId) },
        this.clock(),
      ),
    read: (input: ItemBase & { mid: string }) => readItem(input, this.clock()),
    referral: (input: ItemBase & { ref: string; source?: string; type?: string }) =>
      referralItem(input, this.clock()),
    echo: (
      input: ItemBase & {
        text?: string;
        mid?: string;
        appId?: string;
        attachments?: Array<{ type: string; url?: string }>;
      },
    ) =>
      echoItem({ ...input, mid: input.mid ?? this.state.newMid(input.igAccountId) }, this.clock()),
    payload: (entries: WebhookEntryInput[]): WebhookPayload =>
      buildWebhookPayload(entries, this.clock()),
  };

  /** Sends any payload object (serialised like Meta and signed unless told otherwise). */
  async sendWebhook(
    payload: WebhookPayload,
    options: WebhookSendOptions = {},
  ): Promise<WebhookDelivery> {
    return this.sendPayload(payload, options, 'webhook');
  }

  /** Sends the same bytes with the same headers again (Meta's at-least-once redelivery). */
  async redeliver(delivery: WebhookDelivery): Promise<WebhookDelivery> {
    return this.post(
      delivery.url,
      delivery.rawBody,
      delivery.headers,
      delivery.payload,
      'redelivery',
    );
  }

  private hostFor(type: string): string {
    const kind = type === 'video' || type === 'audio' || type === 'file' ? type : 'image';
    return this.state.addMedia({ kind }).url;
  }

  private async sendItems(
    igAccountId: string,
    items: MessagingItem[],
    options: WebhookSendOptions,
    standby?: boolean,
  ): Promise<WebhookDelivery> {
    return this.sendPayload(
      buildWebhookPayload([{ igAccountId, items, standby }], this.clock()),
      options,
      'webhook',
    );
  }

  private async sendPayload(
    payload: WebhookPayload,
    options: WebhookSendOptions,
    kind: WebhookDelivery['kind'],
  ): Promise<WebhookDelivery> {
    this.noteCustomerActivity(payload);
    const url = options.url ?? this.webhookUrl;
    const rawBody = Buffer.from(
      options.plainJson ? JSON.stringify(payload) : serializeLikeMeta(payload),
      'utf8',
    );
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
    };
    const signature = options.signature ?? 'valid';
    // Accounts subscribed only through Instagram Login: signed with the Instagram app secret.
    const secret =
      payload.entry.length > 0 &&
      payload.entry.every((e) => this.state.isSubscribedOnlyThroughInstagramLogin(String(e.id)))
        ? this.instagramAppSecret
        : this.webhookSecret;
    if (signature === 'valid') {
      headers['x-hub-signature-256'] = hubSignature256(rawBody, secret);
      headers['x-hub-signature'] = hubSignatureSha1(rawBody, secret);
    } else if (signature === 'wrong') {
      headers['x-hub-signature-256'] = hubSignature256(rawBody, `${secret}-wrong`);
    } else if (typeof signature === 'object') {
      headers['x-hub-signature-256'] = signature.header;
    }
    const skipped = !url
      ? 'no-webhook-url'
      : !options.force && !payload.entry.every((e) => this.state.isSubscribed(String(e.id)))
        ? 'not-subscribed'
        : undefined;
    if (skipped) {
      const delivery: WebhookDelivery = {
        id: this.nextDeliveryId++,
        url: url ?? '',
        rawBody,
        payload,
        headers,
        kind,
        skipped,
      };
      this.deliveries.push(delivery);
      return delivery;
    }
    return this.post(url!, rawBody, headers, payload, kind);
  }

  /** Inbound messages reopen the customer's window (and create the customer on first contact). */
  private noteCustomerActivity(payload: WebhookPayload): void {
    for (const entry of payload.entry) {
      const items = [entry.messaging, entry.standby].flatMap((list): unknown[] =>
        Array.isArray(list) ? (list as unknown[]) : [],
      );
      for (const item of items as MessagingItem[]) {
        const message = item.message as Record<string, unknown> | undefined;
        if (!message || message.is_echo || message.is_deleted) {
          continue;
        }
        const igAccountId = item.recipient?.id;
        const igsid = item.sender?.id;
        if (!igAccountId || !igsid || !this.state.igAccounts.has(igAccountId)) {
          continue;
        }
        this.state.ensureCustomer(igAccountId, igsid);
        const last = this.state.lastCustomerMessageAt(igAccountId, igsid) ?? 0;
        this.state.setLastCustomerMessageAt(igAccountId, igsid, Math.max(last, item.timestamp));
      }
    }
  }

  private post(
    url: string,
    rawBody: Buffer,
    headers: Record<string, string>,
    payload: WebhookPayload,
    kind: WebhookDelivery['kind'],
  ): Promise<WebhookDelivery> {
    const delivery: WebhookDelivery = {
      id: this.nextDeliveryId++,
      url,
      rawBody,
      payload,
      headers,
      kind,
    };
    this.deliveries.push(delivery);
    const started = Date.now();
    const run = (async () => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body: rawBody,
          signal: AbortSignal.timeout(this.options.webhookTimeoutMs ?? 10_000),
        });
        delivery.status = res.status;
        delivery.responseText = await res.text();
      } catch (err) {
        delivery.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      delivery.durationMs = Date.now() - started;
      return delivery;
    })();
    this.track(run);
    return run;
  }

  private emitEcho(message: SentMessage): void {
    if (!this.state.echoes || !this.webhookUrl || !this.state.isSubscribed(message.igAccountId)) {
      return;
    }
    const item = echoItem(
      {
        igAccountId: message.igAccountId,
        igsid: message.igsid,
        mid: message.mid,
        text: message.text,
        attachments: message.attachment?.url
          ? [{ type: message.attachment.type, url: message.attachment.url }]
          : undefined,
        appId: message.via === 'graph.instagram.com' ? this.instagramAppId : this.appId,
        timestamp: message.at,
      },
      this.clock(),
    );
    // After the Send API response has gone out, as with Meta (the echo races the response).
    const generation = this.generation;
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      generation === this.generation
        ? this.sendPayload(
            buildWebhookPayload(
              [{ igAccountId: message.igAccountId, items: [item] }],
              this.clock(),
            ),
            {},
            'echo',
          )
        : undefined,
    );
    this.track(run);
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  // ------------------------------------------------------------ HTTP

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    const segments = url.pathname.split('/').filter(Boolean);

    if (segments[0] === '_emulator') {
      return this.control(method, segments.slice(1), rawBody, res);
    }
    const igHost = (Object.keys(INSTAGRAM_HOST_PREFIXES) as InstagramHost[]).find(
      (h) => segments[0] === INSTAGRAM_HOST_PREFIXES[h].slice(1),
    );
    if (igHost) {
      return this.onInstagramRequest(igHost, method, url, segments.slice(1), rawBody, req, res);
    }
    if (segments[0] === 'cdn') {
      // Recorded and fault-injectable like Graph calls (e.g. `{ route: '/cdn/:id', status: 500 }`).
      const query = Object.fromEntries(url.searchParams.entries());
      const call = this.record(
        'cdn',
        method,
        url.pathname,
        url.pathname,
        undefined,
        query,
        req,
        {},
        rawBody,
      );
      const fault = this.faults.take(method, url.pathname);
      if (fault?.latencyMs) {
        await delay(fault.latencyMs);
      }
      const faulted = fault ? this.faultResponse(fault, query, {}) : undefined;
      if (faulted?.hang) {
        return;
      }
      call.faulted = !!faulted;
      const response = faulted ?? this.cdn(segments[1] ?? '', method);
      call.status = response.status;
      return write(res, response);
    }

    const version = segments[0] && VERSION_RE.test(segments[0]) ? segments[0] : undefined;
    const routeSegments = version ? segments.slice(1) : segments;
    const route = `/${routeSegments.join('/')}`;
    const query = Object.fromEntries(url.searchParams.entries());

    if (routeSegments[0] === 'dialog' && routeSegments[1] === 'oauth') {
      const response =
        routeSegments[2] === 'decision'
          ? this.dialog.decision(url.searchParams)
          : this.dialog.serve(version ?? this.graphVersion, url.searchParams);
      const call = this.record(
        'www.facebook.com',
        method,
        url.pathname,
        route,
        version,
        query,
        req,
        {},
        rawBody,
      );
      call.status = response.status;
      return write(res, response);
    }

    const body = parseBody(rawBody, req.headers['content-type'], META_BODY).body;
    const call = this.record(
      'graph.facebook.com',
      method,
      url.pathname,
      route,
      version,
      query,
      req,
      body,
      rawBody,
    );
    await this.baseLatency.wait();
    const fault = this.faults.take(method, route);
    let response: EmulatorResponse | undefined;
    if (fault) {
      if (fault.latencyMs) {
        await delay(fault.latencyMs);
      }
      response = this.faultResponse(fault, query, body);
      if (response) {
        call.faulted = true;
      }
    }
    if (!response) {
      response = await this.routes.handle({
        method,
        route,
        query,
        body,
        authorization: req.headers.authorization,
      });
    }
    if (response.hang) {
      // Keep the socket open until the client gives up or the emulator closes.
      return;
    }
    call.status = response.status;
    write(res, response);
  }

  /** www / api / graph.instagram.com, recorded and fault-injectable like graph.facebook.com. */
  private async onInstagramRequest(
    host: InstagramHost,
    method: string,
    url: URL,
    segments: string[],
    rawBody: Buffer,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const version = segments[0] && VERSION_RE.test(segments[0]) ? segments[0] : undefined;
    const route = `/${(version ? segments.slice(1) : segments).join('/')}`;
    const query = Object.fromEntries(url.searchParams.entries());
    const body = parseBody(rawBody, req.headers['content-type'], META_BODY).body;
    const call = this.record(
      INSTAGRAM_HOST_NAMES[host],
      method,
      url.pathname,
      route,
      version,
      query,
      req,
      body,
      rawBody,
    );
    let response: EmulatorResponse | undefined;
    if (host === 'oauth') {
      response = this.instagram.dialog(route, url.searchParams);
    } else {
      await this.baseLatency.wait();
      const fault = this.faults.take(method, route);
      if (fault?.latencyMs) {
        await delay(fault.latencyMs);
      }
      response = fault ? this.faultResponse(fault, query, body) : undefined;
      call.faulted = !!response;
      if (!response) {
        response =
          host === 'api'
            ? this.instagram.api(method, route, body)
            : await this.instagram.graphRequest({
                method,
                route,
                query,
                body,
                authorization: req.headers.authorization,
              });
      }
    }
    if (response.hang) {
      return;
    }
    call.status = response.status;
    write(res, response);
  }

  private record(
    host: RecordedCall['host'],
    method: string,
    path: string,
    route: string,
    version: string | undefined,
    query: Record<string, string>,
    req: IncomingMessage,
    body: Record<string, unknown>,
    rawBody: Buffer,
  ): RecordedCall {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') {
        headers[key] = value;
      } else if (Array.isArray(value)) {
        headers[key] = value.join(', ');
      }
    }
    const call: RecordedCall = {
      id: this.nextCallId++,
      host,
      method,
      path,
      route,
      version,
      query,
      headers,
      body,
      rawBody: rawBody.toString('utf8'),
      faulted: false,
      at: this.clock(),
    };
    this.calls.push(call);
    return call;
  }

  private faultResponse(
    fault: ActiveFault,
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): EmulatorResponse | undefined {
    if (fault.hang) {
      return { status: 0, hang: true };
    }
    if (fault.expireToken) {
      const token =
        query.access_token ??
        (typeof body.access_token === 'string' ? body.access_token : undefined);
      if (token && this.state.tokens.has(token)) {
        this.state.expireToken(token);
      }
      return graphError(190, {
        subcode: 463,
        message: `Error validating access token: Session has expired on ${new Date(this.clock()).toUTCString()}.`,
      });
    }
    if (fault.windowClosed) {
      return WINDOW_CLOSED();
    }
    if (fault.userUnavailable) {
      return USER_UNAVAILABLE();
    }
    if (fault.status === undefined && fault.code === undefined && fault.rawBody === undefined) {
      return undefined; // latency only
    }
    const status = fault.status;
    if (fault.rawBody !== undefined) {
      return {
        status: status ?? 502,
        rawBody: fault.rawBody,
        contentType: 'text/html',
        headers: fault.headers,
      };
    }
    const code =
      fault.code ?? (status !== undefined && status >= 500 ? 1 : status === 429 ? 4 : 100);
    const headers: Record<string, string> = { ...fault.headers };
    if (RATE_LIMIT_CODES.has(code) || status === 429) {
      headers['x-business-use-case-usage'] = businessUseCaseUsage(
        this.appId,
        fault.regainAccessMinutes ?? 0,
      );
      headers['x-app-usage'] = JSON.stringify({
        call_count: 100,
        total_cputime: 10,
        total_time: 20,
      });
    }
    return graphError(code, { status, subcode: fault.subcode, message: fault.message, headers });
  }

  private cdn(id: string, method: string): EmulatorResponse {
    const media = this.state.media.get(id);
    if (media?.redirectTo) {
      return {
        status: 302,
        rawBody: '',
        contentType: 'text/html',
        headers: { location: media.redirectTo },
      };
    }
    if (!media || media.status !== 200) {
      return {
        status: media?.status ?? 404,
        rawBody: 'URL signature expired',
        contentType: 'text/plain',
      };
    }
    return {
      status: 200,
      rawBody: method === 'HEAD' ? Buffer.alloc(0) : media.bytes,
      contentType: media.contentType,
      headers: { 'content-length': String(media.bytes.length) },
    };
  }

  /** A small HTTP control API for the standalone emulator (not recorded in `calls`). */
  private async control(
    method: string,
    path: string[],
    rawBody: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const body = parseBody(rawBody, 'application/json', META_BODY).body;
    const [what] = path;
    const json = (status: number, value: unknown) => write(res, { status, body: value });
    if (method === 'GET' && what === 'state') {
      return json(200, {
        appId: this.appId,
        graphVersion: this.graphVersion,
        webhookUrl: this.webhookUrl,
        users: [...this.state.users.values()].map((u) => ({
          ...u,
          grantedScopes: [...u.grantedScopes],
          declinedScopes: [...u.declinedScopes],
          pageIds: [...u.pageIds],
        })),
        pages: [...this.state.pages.values()],
        igAccounts: [...this.state.igAccounts.values()],
        customers: [...this.state.customers.values()],
        // Emulated tokens are not secrets; a standalone user needs them to call the Graph paths.
        tokens: [...this.state.tokens.values()],
        subscriptions: Object.fromEntries(this.state.subscriptions),
        sentMessages: this.state.sentMessages,
      });
    }
    if (method === 'GET' && what === 'calls') {
      return json(200, this.calls);
    }
    if (method === 'GET' && what === 'deliveries') {
      return json(
        200,
        this.deliveries.map((d) => ({ ...d, rawBody: d.rawBody.toString('utf8') })),
      );
    }
    if (method === 'POST' && what === 'seed') {
      return json(200, this.state.seedBusiness());
    }
    if (method === 'POST' && what === 'webhook-url') {
      this.setWebhookUrl(typeof body.url === 'string' ? body.url : undefined);
      return json(200, { ok: true });
    }
    if (method === 'POST' && what === 'customer-sends') {
      const sent = await this.customerSends(
        body as unknown as Parameters<MetaEmulator['customerSends']>[0],
      );
      return json(200, {
        mid: sent.mid,
        status: sent.delivery.status,
        skipped: sent.delivery.skipped,
      });
    }
    if (method === 'POST' && what === 'faults') {
      const fault = this.faults.inject(body as unknown as FaultSpec);
      return json(200, { id: fault.id });
    }
    if (method === 'DELETE' && what === 'faults') {
      this.faults.clear();
      return json(200, { ok: true });
    }
    if (method === 'POST' && what === 'login-behavior') {
      this.state.setLoginBehavior(body);
      return json(200, { ok: true });
    }
    if (method === 'POST' && what === 'reset') {
      this.reset();
      return json(200, { ok: true });
    }
    return json(404, { error: 'unknown control endpoint' });
  }
}

export async function startMetaEmulator(options: MetaEmulatorOptions = {}): Promise<MetaEmulator> {
  return new MetaEmulator(options).listen();
}

/** JSON, or a form whose values may themselves be JSON (Meta's curl samples send both). */
const META_BODY = { otherwise: 'form', jsonFormValues: true } as const;

function write(res: ServerResponse, response: EmulatorResponse): void {
  if (res.headersSent || res.destroyed) {
    return;
  }
  const isRaw = response.rawBody !== undefined;
  const payload = isRaw ? response.rawBody! : JSON.stringify(response.body ?? {});
  const headers: Record<string, string> = {
    'content-type':
      response.contentType ?? (isRaw ? 'text/plain' : 'application/json; charset=UTF-8'),
    'x-fb-trace-id': 'emulated',
    ...response.headers,
  };
  res.writeHead(response.status, headers);
  res.end(payload);
}
