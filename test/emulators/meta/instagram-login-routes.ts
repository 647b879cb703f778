import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../shared/http-toolkit';
import { EmulatorResponse, graphError, htmlPage, ok, redirectTo } from './meta-graph-errors';
import { GraphRequest, MetaGraphRoutes, newAuthCode } from './meta-graph-routes';
import { EmulatedInstagramAccount, EmulatedToken, MetaState } from './meta-state';

/** The three Instagram Login hosts, served by the Meta emulator under these path prefixes. */
export const INSTAGRAM_HOST_PREFIXES = {
  /** www.instagram.com: the authorization dialog. */
  oauth: '/instagram-oauth',
  /** api.instagram.com: the code exchange. */
  api: '/instagram-api',
  /** graph.instagram.com: tokens, me, Send API, profiles, subscriptions. */
  graph: '/instagram-graph',
} as const;

export type InstagramHost = keyof typeof INSTAGRAM_HOST_PREFIXES;

export interface InstagramLoginOptions {
  igAppId: string;
  igAppSecret: string;
  allowedRedirectUris?: string[];
}

interface PendingAuthorization {
  id: string;
  redirectUri: string;
  state?: string;
  scopes: string[];
}

const CODE_TTL_MS = 60 * 60_000;
const DAY_MS = 86_400_000;
const LONG_LIVED_SECONDS = 5_183_944;
/** Fields the fields table documents for `/{ig-user}/subscribed_apps` (Instagram Login). */
const IG_SUBSCRIBABLE_FIELDS = new Set([
  'messages',
  'message_reactions',
  'messaging_seen',
  'messaging_postbacks',
  'messaging_referral',
  'messaging_optins',
  'message_edit',
  'messaging_handover',
  'standby',
  'comments',
  'live_comments',
  'mentions',
]);

/** api.instagram.com's error shape (not Graph's): `{ error_type, code, error_message }`. */
function apiError(message: string, type = 'OAuthException', status = 400): EmulatorResponse {
  return { status, body: { error_type: type, code: status, error_message: message } };
}

/**
 * The Instagram API with Instagram Login (meta-instagram-api.md §5.2, §3.1, §4, §6.1): the
 * authorization dialog, the code exchange (both documented response shapes), long-lived tokens and
 * their refresh (unexpired and at least 24 h old), `GET /me`, the Send API, the User Profile API
 * and `/{ig-user}/subscribed_apps`, all with Instagram User tokens, which graph.facebook.com refuses.
 */
export class InstagramLoginRoutes {
  private readonly pending = new Map<string, PendingAuthorization>();

  constructor(
    private readonly state: MetaState,
    private readonly graph: MetaGraphRoutes,
    private readonly options: InstagramLoginOptions,
  ) {}

  // ------------------------------------------------------------ www.instagram.com

  dialog(route: string, query: URLSearchParams): EmulatorResponse {
    if (route === '/oauth/authorize/decision') {
      const id = query.get('request') ?? '';
      if (!this.pending.has(id)) {
        return htmlPage(400, 'Session expired', '<h1>This login request is no longer valid.</h1>');
      }
      const decision = query.get('decision') === 'continue' ? 'continue' : 'cancel';
      return redirectTo(
        this.decide(id, decision, decision === 'continue' ? query.getAll('scope') : undefined),
      );
    }
    if (route !== '/oauth/authorize') {
      return htmlPage(404, 'Page not found', '<h1>Sorry, this page isn&#39;t available.</h1>');
    }
    const request = this.open(query);
    if ('status' in request) {
      return request;
    }
    const behavior = this.state.igLoginBehavior;
    if (behavior.mode === 'auto-continue') {
      return redirectTo(this.decide(request.id, 'continue'));
    }
    if (behavior.mode === 'auto-cancel') {
      return redirectTo(this.decide(request.id, 'cancel'));
    }
    const account = this.safeAccount();
    const scopes = request.scopes
      .map(
        (s) =>
          `<label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label><br>`,
      )
      .join('\n');
    return htmlPage(
      200,
      'Instagram',
      `<h1>Allow Emulated Instagram App to access your account?</h1>
<p>Logged in to Instagram as ${escapeHtml(account)}</p>
<form method="get" action="${INSTAGRAM_HOST_PREFIXES.oauth}/oauth/authorize/decision">
<input type="hidden" name="request" value="${request.id}">
<fieldset><legend>Permissions</legend>
${scopes}
</fieldset>
<button type="submit" name="decision" value="continue" id="continue">Allow</button>
<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
</form>`,
    );
  }

  open(query: URLSearchParams): PendingAuthorization | EmulatorResponse {
    if (query.get('client_id') !== this.options.igAppId) {
      return htmlPage(400, 'Invalid app', '<h1>Invalid platform app</h1>');
    }
    const redirectUri = query.get('redirect_uri') ?? '';
    try {
      const parsed = new URL(redirectUri);
      if (!['http:', 'https:'].includes(parsed.protocol)) {
        throw new Error('scheme');
      }
    } catch {
      return htmlPage(400, 'Invalid redirect_uri', '<h1>Invalid redirect_uri</h1>');
    }
    if (
      this.options.allowedRedirectUris &&
      !this.options.allowedRedirectUris.includes(redirectUri)
    ) {
      return htmlPage(400, 'Invalid redirect_uri', '<h1>Redirect URI does not match</h1>');
    }
    if (query.get('response_type') !== 'code') {
      return htmlPage(400, 'Invalid response_type', '<h1>response_type must be code</h1>');
    }
    const scopes = (query.get('scope') ?? '').split(/[ ,]+/).filter(Boolean);
    if (!scopes.includes('instagram_business_basic')) {
      return htmlPage(400, 'Invalid scope', '<h1>instagram_business_basic is required</h1>');
    }
    const request: PendingAuthorization = {
      id: randomBytes(12).toString('hex'),
      redirectUri,
      state: query.get('state') ?? undefined,
      scopes,
    };
    this.pending.set(request.id, request);
    return request;
  }

  /** Ends a pending authorization: the redirect URL (`code` + `state` + `#_`, or the error form). */
  decide(id: string, decision: 'continue' | 'cancel', grantScopes?: string[]): string {
    const request = this.pending.get(id);
    if (!request) {
      throw new Error('unknown or finished Instagram login request');
    }
    this.pending.delete(id);
    const target = new URL(request.redirectUri);
    if (request.state !== undefined) {
      target.searchParams.set('state', request.state);
    }
    if (decision === 'cancel') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_reason', 'user_denied');
      target.searchParams.set('error_description', 'The user denied your request.');
      return `${target.toString()}#_`;
    }
    const account = this.loginAccount();
    const allowed = grantScopes ?? this.state.igLoginBehavior.grantScopes ?? request.scopes;
    this.state.igScopes.set(
      account.id,
      new Set(request.scopes.filter((scope) => allowed.includes(scope))),
    );
    const code = newAuthCode();
    this.state.igAuthCodes.set(code, {
      code,
      userId: account.id,
      redirectUri: request.redirectUri,
      expiresAt: this.state.now() + CODE_TTL_MS,
      used: false,
    });
    target.searchParams.set('code', code);
    return `${target.toString()}#_`;
  }

  private loginAccount(): EmulatedInstagramAccount {
    const wanted = this.state.igLoginBehavior.igAccountId;
    if (wanted) {
      return this.state.requireIgAccount(wanted);
    }
    const accounts = [...this.state.igAccounts.values()];
    if (accounts.length === 1) {
      return accounts[0];
    }
    if (accounts.length === 0) {
      return this.state.addInstagramAccount();
    }
    throw new Error(
      'several emulated Instagram accounts: set meta.state.setInstagramLoginBehavior({ igAccountId })',
    );
  }

  private safeAccount(): string {
    try {
      return `@${this.loginAccount().username}`;
    } catch {
      return 'several accounts';
    }
  }

  // ------------------------------------------------------------ api.instagram.com

  api(method: string, route: string, body: Record<string, unknown>): EmulatorResponse {
    if (method !== 'POST' || route !== '/oauth/access_token') {
      return apiError('Sorry, this page isn\u2019t available.', 'IGApiException', 404);
    }
    const field = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
    if (field('client_id') !== this.options.igAppId) {
      return apiError('Invalid platform app');
    }
    if (field('client_secret') !== this.options.igAppSecret) {
      return apiError('Error validating client secret.');
    }
    if (field('grant_type') !== 'authorization_code') {
      return apiError('Invalid grant_type', 'OAuthException');
    }
    const code = this.state.igAuthCodes.get((field('code') ?? '').replace(/#_?$/, ''));
    if (!code) {
      return apiError('Invalid authorization code');
    }
    if (code.used) {
      return apiError('This authorization code has been used');
    }
    if (code.expiresAt <= this.state.now()) {
      return apiError('This authorization code has expired');
    }
    if (field('redirect_uri') !== code.redirectUri) {
      return apiError('Error validating verification code. redirect_uri does not match');
    }
    code.used = true;
    const token = this.state.issueInstagramToken(code.userId);
    const granted = [...(this.state.igScopes.get(code.userId) ?? [])].join(',');
    if (this.state.igCodeExchangeShape === 'flat') {
      // The older flat answer carries `user_id` as a JSON number (past 2^53 for real ids).
      return {
        status: 200,
        contentType: 'application/json; charset=UTF-8',
        rawBody: `{"access_token":${JSON.stringify(token)},"user_id":${code.userId},"permissions":${JSON.stringify(granted)}}`,
      };
    }
    return ok({ data: [{ access_token: token, user_id: code.userId, permissions: granted }] });
  }

  // ------------------------------------------------------------ graph.instagram.com

  async graphRequest(req: GraphRequest): Promise<EmulatorResponse> {
    const [first, second, third] = req.route.split('/').filter(Boolean);
    if (req.method === 'GET' && first === 'access_token' && !second) {
      return this.exchange(req);
    }
    if (req.method === 'GET' && first === 'refresh_access_token' && !second) {
      return this.refresh(req);
    }
    const auth = this.authenticate(req);
    if ('status' in auth) {
      return auth;
    }
    const account = this.state.requireIgAccount(auth.igAccountId!);
    const self = (id: string | undefined) => id === 'me' || id === account.id;
    if (self(first) && !second && req.method === 'GET') {
      return this.me(auth, account, req.query.fields);
    }
    if (self(first) && second === 'messages' && !third && req.method === 'POST') {
      return this.graph.deliver(
        auth,
        account.id,
        account.pageId,
        'instagram_business_manage_messages',
        req,
      );
    }
    if (self(first) && second === 'subscribed_apps' && !third) {
      return this.subscribedApps(auth, account, req);
    }
    const customer = first && !second ? this.state.customers.get(first) : undefined;
    if (customer && req.method === 'GET') {
      if (customer.igAccountId !== account.id) {
        return unsupported(first);
      }
      return this.graph.customerProfile(
        auth,
        customer,
        req.query.fields,
        'instagram_business_manage_messages',
      );
    }
    if (first && !second) {
      return unsupported(first);
    }
    return graphError(2500, { message: `Unknown path components: ${req.route}` });
  }

  private tokenOf(req: GraphRequest): string | undefined {
    const fromQuery = req.query.access_token;
    if (fromQuery) {
      return fromQuery;
    }
    return /^Bearer\s+(\S+)$/i.exec(req.authorization ?? '')?.[1];
  }

  private authenticate(req: GraphRequest): EmulatedToken | EmulatorResponse {
    const token = this.tokenOf(req);
    if (!token) {
      return graphError(104, { message: 'An access token is required to request this resource.' });
    }
    const record = this.state.tokens.get(token);
    if (!record || record.kind !== 'instagram') {
      return graphError(190, { message: 'Invalid OAuth access token - Cannot parse access token' });
    }
    return this.graph.tokenError(record) ?? record;
  }

  private exchange(req: GraphRequest): EmulatorResponse {
    if (req.query.grant_type !== 'ig_exchange_token') {
      return graphError(100, { message: 'Unsupported grant_type' });
    }
    if (req.query.client_secret !== this.options.igAppSecret) {
      return graphError(101, { message: 'Error validating client secret.' });
    }
    const auth = this.authenticate(req);
    if ('status' in auth) {
      return auth;
    }
    if (auth.longLived) {
      return graphError(100, { message: 'The access token is already long-lived.' });
    }
    return this.longLived(auth.igAccountId!);
  }

  private refresh(req: GraphRequest): EmulatorResponse {
    if (req.query.grant_type !== 'ig_refresh_token') {
      return graphError(100, { message: 'Unsupported grant_type' });
    }
    const auth = this.authenticate(req);
    if ('status' in auth) {
      return auth;
    }
    if (!auth.longLived) {
      return graphError(100, { message: 'Only long-lived tokens can be refreshed.' });
    }
    if (this.state.now() - auth.issuedAt < DAY_MS) {
      return graphError(100, {
        message: 'The access token must be at least 24 hours old to be refreshed.',
      });
    }
    return this.longLived(auth.igAccountId!);
  }

  private longLived(igAccountId: string): EmulatorResponse {
    const token = this.state.issueInstagramToken(igAccountId, {
      longLived: true,
      expiresInSec: LONG_LIVED_SECONDS,
    });
    return ok({ access_token: token, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS });
  }

  private me(
    token: EmulatedToken,
    account: EmulatedInstagramAccount,
    fields: string | undefined,
  ): EmulatorResponse {
    const missing = this.graph.requireScope(token, 'instagram_business_basic');
    if (missing) {
      return missing;
    }
    const full: Record<string, unknown> = {
      id: account.appScopedId,
      user_id: account.id,
      username: account.username,
      name: account.name,
      profile_picture_url: account.profilePictureUrl,
      account_type: 'BUSINESS',
      followers_count: 310,
    };
    const wanted = new Set((fields ?? 'id').split(',').map((f) => f.trim()));
    return ok(
      Object.fromEntries(Object.entries(full).filter(([k]) => k === 'id' || wanted.has(k))),
    );
  }

  private subscribedApps(
    token: EmulatedToken,
    account: EmulatedInstagramAccount,
    req: GraphRequest,
  ): EmulatorResponse {
    if (req.method === 'GET') {
      const fields = this.state.igSubscriptions.get(account.id);
      return ok({
        data: fields
          ? [
              {
                id: this.options.igAppId,
                name: 'Emulated Instagram App',
                subscribed_fields: fields,
              },
            ]
          : [],
      });
    }
    const missing = this.graph.requireScope(token, 'instagram_business_manage_messages');
    if (missing) {
      return missing;
    }
    if (req.method === 'DELETE') {
      this.state.igSubscriptions.delete(account.id);
      return ok({ success: true });
    }
    if (req.method !== 'POST') {
      return graphError(100, { message: '(#100) Unsupported method' });
    }
    const raw =
      req.query.subscribed_fields ??
      (typeof req.body.subscribed_fields === 'string' ? req.body.subscribed_fields : undefined);
    if (!raw) {
      return graphError(100, { message: '(#100) The parameter subscribed_fields is required' });
    }
    const fields = raw
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const bad = fields.findIndex((f) => !IG_SUBSCRIBABLE_FIELDS.has(f));
    if (bad >= 0) {
      return graphError(100, {
        message: `(#100) Param subscribed_fields[${bad}] must be one of {${[...IG_SUBSCRIBABLE_FIELDS].join(', ')}} - got "${fields[bad]}".`,
      });
    }
    this.state.igSubscriptions.set(account.id, fields);
    return ok({ success: true });
  }
}

function unsupported(id: string): EmulatorResponse {
  return graphError(100, {
    subcode: 33,
    type: 'GraphMethodException',
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  });
}
