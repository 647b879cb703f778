import { Logger } from '@nestjs/common';
import { appSecretProof } from './appsecret-proof.util';
import { classifyGraphFailure } from './classify-graph-error.util';
import { MetaGraphError } from './meta-graph.error';
import {
  AccessTokenResult,
  DebugTokenResult,
  ExchangeCodeInput,
  FacebookPage,
  InstagramAccountInfo,
  InstagramCodeResult,
  InstagramLoginOptions,
  InstagramLoginUser,
  InstagramUserProfile,
  LoginPath,
  LoginDialogInput,
  MetaGraphOptions,
  MetaUser,
  SendAttachmentInput,
  SendMessageResult,
  SendSenderActionInput,
  SenderActionResult,
  SendTextInput,
  SubscribedApp,
} from './meta-graph.types';

type HttpVerb = 'GET' | 'POST' | 'DELETE';
type Query = Record<string, string | undefined>;

interface GraphRequest {
  verb: HttpVerb;
  /** Path after the version, starting with `/`. */
  path: string;
  query?: Query;
  /** Access token for `access_token`; `appsecret_proof` is added for user and Page tokens. */
  token?: string;
  json?: unknown;
  /** Form-encoded body (api.instagram.com's code exchange). */
  form?: Record<string, string>;
  /** Absolute base instead of the graph host; the path is then unversioned. */
  base?: string;
  /** False for the unversioned token endpoints of graph.instagram.com. */
  versioned?: boolean;
}

type Dict = Record<string, unknown>;

const PROFILE_FIELDS = [
  'name',
  'username',
  'profile_pic',
  'is_verified_user',
  'follower_count',
  'is_user_follow_business',
  'is_business_follow_user',
];
const PAGE_FIELDS = 'id,name,access_token,tasks,instagram_business_account';
/** A safety stop for `/me/accounts` paging: no real user manages thousands of Pages. */
const MAX_PAGES_FETCHED = 40;

/**
 * Typed client for the Graph API calls the integration makes (Messenger API for Instagram,
 * Facebook Login path). Tokens are per call; the client never retries (the queue does) and every
 * failure is a classified MetaGraphError.
 */
export class MetaGraphClient {
  private readonly logger = new Logger(MetaGraphClient.name);
  private readonly graphBase: string;
  private readonly oauthBase: string;
  private instagramClient?: MetaGraphClient;

  /**
   * `host` `instagram`: the same calls against graph.instagram.com with Instagram User tokens
   * (no appsecret_proof there); obtain it with `forLogin('instagram')`.
   */
  constructor(
    private readonly options: MetaGraphOptions,
    private readonly host: LoginPath = 'facebook',
  ) {
    this.graphBase = baseUrl(
      host === 'instagram' ? (options.instagram?.graphUrl ?? '') : options.graphUrl,
      host === 'instagram' ? 'instagram.graphUrl' : 'graphUrl',
    );
    this.oauthBase = baseUrl(options.oauthUrl, 'oauthUrl');
    if (options.instagram) {
      baseUrl(options.instagram.oauthUrl, 'instagram.oauthUrl');
      baseUrl(options.instagram.apiUrl, 'instagram.apiUrl');
      baseUrl(options.instagram.graphUrl, 'instagram.graphUrl');
    }
    if (!/^v\d+\.\d+$/.test(options.graphVersion)) {
      throw new Error('MetaGraphOptions.graphVersion must look like v26.0');
    }
    if (!options.appId || !options.appSecret) {
      throw new Error('MetaGraphOptions.appId and appSecret are required');
    }
    if (!(options.timeoutMs > 0)) {
      throw new Error('MetaGraphOptions.timeoutMs must be a positive number');
    }
  }

  /**
   * The client for an account's path: this one (graph.facebook.com, Page tokens) or its
   * graph.instagram.com twin (Instagram User tokens). Send API, profiles and subscriptions have
   * the same shape on both hosts.
   */
  forLogin(path: LoginPath): MetaGraphClient {
    if (path === this.host) {
      return this;
    }
    if (path === 'facebook') {
      throw new Error('forLogin("facebook") on the Instagram client');
    }
    if (!this.options.instagram) {
      throw new Error('MetaGraphOptions.instagram is not configured');
    }
    this.instagramClient ??= new MetaGraphClient(this.options, 'instagram');
    return this.instagramClient;
  }

  /** True when the Instagram app's id and secret are configured (new Instagram Login connects). */
  instagramLoginAvailable(): boolean {
    return !!(this.options.instagram?.appId && this.options.instagram.appSecret);
  }

  // ---------------------------------------------------------------- Instagram Login

  /** `www.instagram.com/oauth/authorize` with the Instagram app id. */
  buildInstagramLoginUrl(input: { redirectUri: string; state: string; scopes: string[] }): string {
    const ig = this.instagramApp();
    const url = new URL(`${baseUrl(ig.oauthUrl, 'instagram.oauthUrl')}/oauth/authorize`);
    url.searchParams.set('client_id', ig.appId);
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', input.scopes.join(','));
    url.searchParams.set('state', input.state);
    return url.toString();
  }

  /**
   * Code → short-lived Instagram User token (form POST to api.instagram.com). Meta documents
   * `{ data: [{ access_token, user_id, permissions }] }`; some apps get the object alone: both count.
   */
  async exchangeInstagramCode(input: ExchangeCodeInput): Promise<InstagramCodeResult> {
    const ig = this.instagramApp();
    const data = await this.request<Dict>('exchangeInstagramCode', {
      verb: 'POST',
      base: baseUrl(ig.apiUrl, 'instagram.apiUrl'),
      path: '/oauth/access_token',
      form: {
        client_id: ig.appId,
        client_secret: ig.appSecret,
        grant_type: 'authorization_code',
        redirect_uri: input.redirectUri,
        code: input.code.replace(/#_?$/, ''),
      },
    });
    const first = Array.isArray(data.data) ? dict(data.data[0]) : data;
    const accessToken = str(first.access_token);
    const userId = str(first.user_id);
    if (!accessToken || !userId) {
      throw this.malformed('exchangeInstagramCode');
    }
    const permissions = Array.isArray(first.permissions)
      ? first.permissions.filter((p): p is string => typeof p === 'string')
      : (str(first.permissions) ?? '').split(',').filter(Boolean);
    return { accessToken, userId, permissions: permissions.map((p) => p.trim()) };
  }

  /** Short-lived → 60-day Instagram User token (`ig_exchange_token`). */
  async exchangeInstagramLongLivedToken(shortToken: string): Promise<AccessTokenResult> {
    const ig = this.instagramApp();
    const data = await this.request<Dict>('exchangeInstagramLongLivedToken', {
      verb: 'GET',
      base: baseUrl(ig.graphUrl, 'instagram.graphUrl'),
      path: '/access_token',
      query: { grant_type: 'ig_exchange_token', client_secret: ig.appSecret },
      token: shortToken,
    });
    return this.tokenResult('exchangeInstagramLongLivedToken', data);
  }

  /** A new 60-day token for an unexpired long-lived one at least 24 h old (`ig_refresh_token`). */
  async refreshInstagramToken(longToken: string): Promise<AccessTokenResult> {
    const ig = this.options.instagram;
    if (!ig) {
      throw new Error('MetaGraphOptions.instagram is not configured');
    }
    const data = await this.request<Dict>('refreshInstagramToken', {
      verb: 'GET',
      base: baseUrl(ig.graphUrl, 'instagram.graphUrl'),
      path: '/refresh_access_token',
      query: { grant_type: 'ig_refresh_token' },
      token: longToken,
    });
    return this.tokenResult('refreshInstagramToken', data);
  }

  /** `GET graph.instagram.com/me`: the account an Instagram User token acts for. */
  async instagramMe(token: string): Promise<InstagramLoginUser> {
    const data = await this.forLogin('instagram').request<Dict>('instagramMe', {
      verb: 'GET',
      path: '/me',
      token,
      query: { fields: 'user_id,username,name,profile_picture_url,account_type' },
    });
    const userId = str(data.user_id);
    if (!userId) {
      throw this.malformed('instagramMe');
    }
    return {
      userId,
      appScopedId: str(data.id),
      username: str(data.username),
      name: str(data.name),
      profilePictureUrl: str(data.profile_picture_url),
      accountType: str(data.account_type),
    };
  }

  private instagramApp(): InstagramLoginOptions & { appId: string; appSecret: string } {
    const ig = this.options.instagram;
    if (!ig?.appId || !ig.appSecret) {
      throw new Error('Instagram Login is not configured (META_INSTAGRAM_APP_ID/SECRET)');
    }
    return { ...ig, appId: ig.appId, appSecret: ig.appSecret };
  }

  /** The app access token (`appId|appSecret`), for app-level calls such as revoking a user. */
  appAccessToken(): string {
    return `${this.options.appId}|${this.options.appSecret}`;
  }

  // ---------------------------------------------------------------- Send API

  async sendText(pageToken: string, input: SendTextInput): Promise<SendMessageResult> {
    const message: Dict = { text: input.text };
    if (input.quickReplies?.length) {
      message.quick_replies = input.quickReplies.map((q) => ({
        content_type: 'text',
        title: q.title,
        payload: q.payload,
      }));
    }
    const body = { recipient: { id: input.recipientId }, ...messagingTypeOf(input), message };
    return this.sendMessage('sendText', pageToken, body);
  }

  async sendAttachment(pageToken: string, input: SendAttachmentInput): Promise<SendMessageResult> {
    const body = {
      recipient: { id: input.recipientId },
      ...messagingTypeOf(input),
      message: { attachment: { type: input.type, payload: { url: input.url } } },
    };
    return this.sendMessage('sendAttachment', pageToken, body);
  }

  async sendSenderAction(
    pageToken: string,
    input: SendSenderActionInput,
  ): Promise<SenderActionResult> {
    // mark_seen must carry only recipient + sender_action; the others accept the same shape.
    const data = await this.request<Dict>('sendSenderAction', {
      verb: 'POST',
      path: '/me/messages',
      token: pageToken,
      json: { recipient: { id: input.recipientId }, sender_action: input.action },
    });
    return {
      recipientId: str(data.recipient_id) ?? input.recipientId,
      messageId: str(data.message_id),
    };
  }

  private async sendMessage(
    method: string,
    pageToken: string,
    body: Dict,
  ): Promise<SendMessageResult> {
    const data = await this.request<Dict>(method, {
      verb: 'POST',
      path: '/me/messages',
      token: pageToken,
      json: body,
    });
    const messageId = str(data.message_id);
    const recipientId = str(data.recipient_id);
    if (!messageId) {
      // Sent or not, we cannot tell; a retry could duplicate the message, so do not retry.
      throw new MetaGraphError({ method, kind: 'permanent', reason: 'unknown', status: 200 });
    }
    return { recipientId: recipientId ?? '', messageId };
  }

  // ---------------------------------------------------------------- Profiles

  async getUserProfile(pageToken: string, igsid: string): Promise<InstagramUserProfile> {
    const data = await this.request<Dict>('getUserProfile', {
      verb: 'GET',
      path: `/${seg(igsid)}`,
      token: pageToken,
      query: { fields: PROFILE_FIELDS.join(',') },
    });
    return {
      id: str(data.id) ?? igsid,
      name: str(data.name),
      username: str(data.username),
      profilePic: str(data.profile_pic),
      isVerifiedUser: bool(data.is_verified_user),
      followerCount: num(data.follower_count),
      isUserFollowBusiness: bool(data.is_user_follow_business),
      isBusinessFollowUser: bool(data.is_business_follow_user),
    };
  }

  async getInstagramAccount(pageToken: string, igId: string): Promise<InstagramAccountInfo> {
    const data = await this.request<Dict>('getInstagramAccount', {
      verb: 'GET',
      path: `/${seg(igId)}`,
      token: pageToken,
      query: { fields: 'id,username,name,profile_picture_url' },
    });
    return {
      id: str(data.id) ?? igId,
      username: str(data.username),
      name: str(data.name),
      profilePictureUrl: str(data.profile_picture_url),
    };
  }

  async me(userToken: string): Promise<MetaUser> {
    const data = await this.request<Dict>('me', {
      verb: 'GET',
      path: '/me',
      token: userToken,
      query: { fields: 'id,name' },
    });
    const id = str(data.id);
    if (!id) {
      throw this.malformed('me');
    }
    return { id, name: str(data.name) };
  }

  // ---------------------------------------------------------------- OAuth

  /** The Facebook Login dialog URL to send the admin's browser to. */
  buildLoginDialogUrl(input: LoginDialogInput): string {
    const url = new URL(`${this.oauthBase}/${this.options.graphVersion}/dialog/oauth`);
    url.searchParams.set('client_id', this.options.appId);
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('state', input.state);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', input.scopes.join(','));
    if (input.authType) {
      url.searchParams.set('auth_type', input.authType);
    }
    return url.toString();
  }

  async exchangeCode(input: ExchangeCodeInput): Promise<AccessTokenResult> {
    // Meta appends `#_` to some redirects; a code never contains it.
    const code = input.code.replace(/#_?$/, '');
    const data = await this.request<Dict>('exchangeCode', {
      verb: 'GET',
      path: '/oauth/access_token',
      query: {
        client_id: this.options.appId,
        client_secret: this.options.appSecret,
        redirect_uri: input.redirectUri,
        code,
      },
    });
    return this.tokenResult('exchangeCode', data);
  }

  async exchangeForLongLivedToken(shortToken: string): Promise<AccessTokenResult> {
    const data = await this.request<Dict>('exchangeForLongLivedToken', {
      verb: 'GET',
      path: '/oauth/access_token',
      query: {
        grant_type: 'fb_exchange_token',
        client_id: this.options.appId,
        client_secret: this.options.appSecret,
        fb_exchange_token: shortToken,
      },
    });
    return this.tokenResult('exchangeForLongLivedToken', data);
  }

  /** Every Page the user manages, following the cursors to the end. */
  async listPages(userToken: string): Promise<FacebookPage[]> {
    const pages: FacebookPage[] = [];
    let after: string | undefined;
    for (let fetched = 0; fetched < MAX_PAGES_FETCHED; fetched++) {
      const data = await this.request<Dict>('listPages', {
        verb: 'GET',
        path: '/me/accounts',
        token: userToken,
        query: { fields: PAGE_FIELDS, limit: '100', after },
      });
      for (const raw of arr(data.data)) {
        const page = dict(raw);
        const id = str(page.id);
        const accessToken = str(page.access_token);
        if (!id || !accessToken) {
          continue;
        }
        pages.push({
          id,
          name: str(page.name) ?? '',
          accessToken,
          tasks: arr(page.tasks).filter((t): t is string => typeof t === 'string'),
          instagramBusinessAccountId: str(dict(page.instagram_business_account).id),
        });
      }
      // Follow the cursor rather than the `next` URL: `next` embeds the token and would drop
      // our appsecret_proof and pinned version if Meta ever changed its shape.
      const paging = dict(data.paging);
      if (!str(paging.next)) {
        break;
      }
      const nextAfter = str(dict(paging.cursors).after) ?? afterFromUrl(str(paging.next));
      if (!nextAfter || nextAfter === after) {
        break;
      }
      after = nextAfter;
    }
    return pages;
  }

  /** Subscribes the app to the Page's webhooks (the IG fields themselves are chosen app-wide). */
  async subscribeApp(pageToken: string, pageId: string, fields: string[]): Promise<boolean> {
    const data = await this.request<Dict>('subscribeApp', {
      verb: 'POST',
      path: `/${seg(pageId)}/subscribed_apps`,
      token: pageToken,
      query: { subscribed_fields: fields.join(',') },
    });
    return successOf(data);
  }

  async unsubscribeApp(pageToken: string, pageId: string): Promise<boolean> {
    const data = await this.request<unknown>('unsubscribeApp', {
      verb: 'DELETE',
      path: `/${seg(pageId)}/subscribed_apps`,
      token: pageToken,
    });
    return successOf(data);
  }

  async getSubscribedApps(pageToken: string, pageId: string): Promise<SubscribedApp[]> {
    const data = await this.request<Dict>('getSubscribedApps', {
      verb: 'GET',
      path: `/${seg(pageId)}/subscribed_apps`,
      token: pageToken,
    });
    return arr(data.data).flatMap((raw) => {
      const app = dict(raw);
      const id = str(app.id);
      if (!id) {
        return [];
      }
      return [
        {
          id,
          name: str(app.name),
          subscribedFields: arr(app.subscribed_fields).filter(
            (f): f is string => typeof f === 'string',
          ),
        },
      ];
    });
  }

  /** Removes every permission the user granted the app (`DELETE /{user-id}/permissions`). */
  async revokePermissions(userOrAppToken: string, userId: string): Promise<boolean> {
    const data = await this.request<unknown>('revokePermissions', {
      verb: 'DELETE',
      path: `/${seg(userId)}/permissions`,
      token: userOrAppToken,
    });
    return successOf(data);
  }

  /** Inspects any token with the app token; an invalid token is a result, not an error. */
  async debugToken(inputToken: string): Promise<DebugTokenResult> {
    const body = await this.request<Dict>('debugToken', {
      verb: 'GET',
      path: '/debug_token',
      token: this.appAccessToken(),
      query: { input_token: inputToken },
    });
    const data = dict(body.data);
    const error = dict(data.error);
    return {
      isValid: data.is_valid === true,
      type: str(data.type),
      appId: str(data.app_id),
      application: str(data.application),
      expiresAt: epochOrNull(data.expires_at),
      dataAccessExpiresAt: epochOrNull(data.data_access_expires_at),
      issuedAt: epochOrNull(data.issued_at) ?? undefined,
      scopes: arr(data.scopes).filter((s): s is string => typeof s === 'string'),
      userId: str(data.user_id),
      profileId: str(data.profile_id),
      errorCode: num(error.code),
      errorSubcode: num(error.subcode),
    };
  }

  // ---------------------------------------------------------------- HTTP

  private tokenResult(method: string, data: Dict): AccessTokenResult {
    const accessToken = str(data.access_token);
    if (!accessToken) {
      throw this.malformed(method);
    }
    return {
      accessToken,
      tokenType: str(data.token_type) ?? 'bearer',
      expiresIn: num(data.expires_in),
    };
  }

  private malformed(method: string): MetaGraphError {
    return new MetaGraphError({ method, kind: 'permanent', reason: 'unknown', status: 200 });
  }

  private async request<T>(method: string, req: GraphRequest): Promise<T> {
    const url = new URL(
      req.base !== undefined || req.versioned === false
        ? `${req.base ?? this.graphBase}${req.path}`
        : `${this.graphBase}/${this.options.graphVersion}${req.path}`,
    );
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) {
        url.searchParams.set(key, value);
      }
    }
    if (req.token) {
      url.searchParams.set('access_token', req.token);
      // App tokens (`id|secret`) carry the secret already; user and Page tokens get the proof
      // so the app can run with "Require App Secret" on. Instagram User tokens go to
      // graph.instagram.com, where the proof is keyed differently: none is sent.
      if (!req.token.includes('|') && this.host === 'facebook' && req.base === undefined) {
        url.searchParams.set('appsecret_proof', appSecretProof(req.token, this.options.appSecret));
      }
    }
    const init: RequestInit = {
      method: req.verb,
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    };
    if (req.json !== undefined) {
      init.body = JSON.stringify(req.json);
      init.headers = { ...init.headers, 'content-type': 'application/json' };
    } else if (req.form !== undefined) {
      init.body = new URLSearchParams(req.form).toString();
      init.headers = { ...init.headers, 'content-type': 'application/x-www-form-urlencoded' };
    }

    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, init);
      text = await response.text();
    } catch (err) {
      const durationMs = Math.round(performance.now() - started);
      const transport = isTimeout(err) ? 'timeout' : 'network';
      this.report(method, 'network', durationMs);
      // Never log the URL: Graph carries tokens and secrets in the query string.
      this.logger.debug(`${method} ${transport} after ${durationMs}ms`);
      throw classifyGraphFailure({ method, transport });
    }
    const durationMs = Math.round(performance.now() - started);
    this.report(method, response.status, durationMs);
    this.logger.debug(`${method} ${response.status} ${durationMs}ms`);

    const body = instagramApiErrorAsGraph(parseJson(text));
    if (!response.ok || (isDict(body) && 'error' in body)) {
      throw classifyGraphFailure({
        method,
        status: response.status,
        body,
        headers: response.headers,
      });
    }
    if (body === undefined) {
      throw this.malformed(method);
    }
    return body as T;
  }

  private report(method: string, status: number | 'network', durationMs: number): void {
    try {
      this.options.onCall?.({ api: 'meta', method, status, durationMs });
    } catch {
      // A metrics hook must never turn a good call into a failure.
    }
  }
}

/**
 * api.instagram.com answers `{ error_type, code, error_message }` rather than Graph's
 * `{ error: {…} }`; rewritten so one classifier serves both (its `code` is the HTTP status).
 */
function instagramApiErrorAsGraph(body: unknown): unknown {
  if (isDict(body) && !('error' in body) && typeof body.error_message === 'string') {
    return {
      error: { message: body.error_message, type: str(body.error_type) ?? 'OAuthException' },
    };
  }
  return body;
}

function baseUrl(value: string, name: string): string {
  try {
    const url = new URL(value);
    return url.toString().replace(/\/+$/, '');
  } catch {
    throw new Error(`MetaGraphOptions.${name} must be an absolute URL`);
  }
}

function messagingTypeOf(input: { messagingType?: string; tag?: string }): Dict {
  if (input.tag) {
    return { messaging_type: 'MESSAGE_TAG', tag: input.tag };
  }
  return { messaging_type: input.messagingType ?? 'RESPONSE' };
}

/** Ids go into the path; refuse anything that could change the path. */
function seg(id: string): string {
  if (!/^[A-Za-z0-9_.:-]+$/.test(id)) {
    throw new Error('invalid Graph object id');
  }
  return id;
}

/** By name, not instanceof: fetch rejects with a DOMException, which is not always an Error. */
function isTimeout(err: unknown): boolean {
  const name =
    typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

function parseJson(text: string): unknown {
  if (text.trim() === '') {
    return undefined;
  }
  try {
    // Ids past 2^53 sent as JSON numbers (api.instagram.com's `user_id`) would lose digits.
    return JSON.parse(text.replace(/("\w*id"\s*:\s*)(\d{16,})(?=\s*[,}])/g, '$1"$2"')) as unknown;
  } catch {
    // Proxies in front of Graph answer HTML on 5xx; the status then decides.
    return undefined;
  }
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dict(v: unknown): Dict {
  return isDict(v) ? v : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'number' && Number.isFinite(v)) {
    return String(v);
  }
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) {
    return Number(v);
  }
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** Graph answers `true`, `{ "success": true }` or `{ "result": true }` depending on the edge. */
function successOf(data: unknown): boolean {
  if (data === true) {
    return true;
  }
  if (isDict(data)) {
    return data.success === true || data.result === true;
  }
  return false;
}

function epochOrNull(v: unknown): Date | null {
  const seconds = num(v);
  return seconds && seconds > 0 ? new Date(seconds * 1000) : null;
}

function afterFromUrl(next: string | undefined): string | undefined {
  if (!next) {
    return undefined;
  }
  try {
    return new URL(next).searchParams.get('after') ?? undefined;
  } catch {
    return undefined;
  }
}
