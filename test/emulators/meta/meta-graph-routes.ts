import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EmulatedCustomer, EmulatedToken, MetaState, SentMessage } from './meta-state';
import {
  EmulatorResponse,
  graphError,
  ok,
  USER_UNAVAILABLE,
  WINDOW_CLOSED,
} from './meta-graph-errors';

export interface GraphRequest {
  method: string;
  /** Path without the version prefix, e.g. `/me/messages`. */
  route: string;
  query: Record<string, string>;
  /** Parsed JSON or form body (form values that hold JSON are parsed too). */
  body: Record<string, unknown>;
  authorization?: string;
}

export interface GraphRoutesOptions {
  appId: string;
  appSecret: string;
  requireAppSecretProof: boolean;
  /** Called after a successful Send API message (the emulator emits the echo). */
  onSent: (message: SentMessage) => void;
}

const DAY = 86_400_000;
const TEXT_MAX_BYTES = 1000;
const SEND_ATTACHMENT_TYPES = new Set(['image', 'video', 'audio', 'file']);
const SENDER_ACTIONS = new Set(['typing_on', 'typing_off', 'mark_seen', 'react', 'unreact']);
/** Fields Meta accepts on `/{page}/subscribed_apps` (Page + Instagram messaging names). */
const SUBSCRIBABLE_FIELDS = new Set([
  'messages',
  'messaging_postbacks',
  'messaging_optins',
  'messaging_referrals',
  'messaging_referral',
  'message_deliveries',
  'message_reads',
  'message_echoes',
  'message_reactions',
  'messaging_seen',
  'messaging_handovers',
  'messaging_policy_enforcement',
  'message_edits',
  'standby',
  'feed',
  'mention',
]);
const PAGE_SIZE = 25;

type Dict = Record<string, unknown>;
type Auth = { kind: 'app' } | { kind: 'token'; token: EmulatedToken };

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Graph API behaviour over MetaState. One method per endpoint the integration uses. */
export class MetaGraphRoutes {
  constructor(
    private readonly state: MetaState,
    private readonly options: GraphRoutesOptions,
  ) {}

  async handle(req: GraphRequest): Promise<EmulatorResponse> {
    const segments = req.route.split('/').filter(Boolean);
    const [first, second, third] = segments;
    const { method } = req;

    if (method === 'GET' && first === 'oauth' && second === 'access_token') {
      return this.accessToken(req);
    }
    if (method === 'GET' && first === 'debug_token' && !second) {
      return this.debugToken(req);
    }

    const auth = this.authenticate(req);
    if ('status' in auth) {
      return auth;
    }

    if (first === 'me' && !second && method === 'GET') {
      return this.me(auth, req);
    }
    if (first === 'me' && second === 'accounts' && method === 'GET') {
      return this.accounts(auth, req);
    }
    if (second === 'messages' && !third && method === 'POST') {
      return this.send(auth, first, req);
    }
    if (second === 'subscribed_apps' && !third) {
      return this.subscribedApps(auth, first, req);
    }
    if (second === 'permissions') {
      return this.permissions(auth, first, third, req);
    }
    if (first && !second && method === 'GET') {
      return this.object(auth, first, req);
    }
    return graphError(2500, {
      message: `Unknown path components: /${segments.slice(1).join('/')}`,
    });
  }

  // ------------------------------------------------------------ auth

  private tokenOf(req: GraphRequest): string | undefined {
    const fromQuery = req.query.access_token ?? str(req.body.access_token);
    if (fromQuery) {
      return fromQuery;
    }
    const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(req.authorization ?? '');
    return m?.[1];
  }

  private authenticate(req: GraphRequest): Auth | EmulatorResponse {
    const token = this.tokenOf(req);
    if (!token) {
      return graphError(104, { message: 'An access token is required to request this resource.' });
    }
    if (token.includes('|')) {
      if (token === `${this.options.appId}|${this.options.appSecret}`) {
        return { kind: 'app' };
      }
      return graphError(190, { message: 'Invalid OAuth access token signature.' });
    }
    const record = this.state.tokens.get(token);
    if (!record || record.kind === 'instagram') {
      // Instagram User tokens are only valid on graph.instagram.com.
      return graphError(190);
    }
    const tokenError = this.tokenError(record);
    if (tokenError) {
      return tokenError;
    }

    const proof = req.query.appsecret_proof ?? str(req.body.appsecret_proof);
    if (proof !== undefined) {
      const expected = createHmac('sha256', this.options.appSecret).update(token).digest('hex');
      const a = Buffer.from(proof);
      const b = Buffer.from(expected);
      if (a.length !== b.length || !timingSafeEqual(a, b)) {
        return graphError(100, {
          type: 'GraphMethodException',
          message: 'Invalid appsecret_proof provided in the API argument',
        });
      }
    } else if (this.options.requireAppSecretProof) {
      return graphError(100, {
        type: 'GraphMethodException',
        message: 'API calls from the server require an appsecret_proof argument',
      });
    }
    return { kind: 'token', token: record };
  }

  tokenError(record: EmulatedToken): EmulatorResponse | undefined {
    if (record.invalidated === 'app-removed') {
      return graphError(190, {
        subcode: 458,
        message: `Error validating access token: The user has not authorized application ${this.options.appId}.`,
      });
    }
    if (record.invalidated === 'password-changed') {
      return graphError(190, {
        subcode: 460,
        message:
          'Error validating access token: The session has been invalidated because the user changed their password.',
      });
    }
    if (record.invalidated === 'logged-out') {
      return graphError(190, {
        subcode: 467,
        message: 'Error validating access token: The user is not logged in.',
      });
    }
    if (record.expiresAt !== null && record.expiresAt <= this.state.now()) {
      return graphError(190, {
        subcode: 463,
        message: `Error validating access token: Session has expired on ${new Date(record.expiresAt).toUTCString()}.`,
      });
    }
    return undefined;
  }

  private scopesOf(token: EmulatedToken): Set<string> {
    if (token.kind === 'instagram') {
      return this.state.igScopes.get(token.igAccountId ?? '') ?? new Set();
    }
    return this.state.users.get(token.userId)?.grantedScopes ?? new Set();
  }

  requireScope(token: EmulatedToken, scope: string): EmulatorResponse | undefined {
    if (this.scopesOf(token).has(scope)) {
      return undefined;
    }
    return graphError(10, { message: `(#10) Requires ${scope} permission to manage the object` });
  }

  // ------------------------------------------------------------ OAuth

  private accessToken(req: GraphRequest): EmulatorResponse {
    const q = req.query;
    if (q.client_id !== this.options.appId) {
      return graphError(101, { message: 'Error validating application. Invalid application ID.' });
    }
    if (q.client_secret !== this.options.appSecret) {
      return graphError(1, { status: 400, message: 'Error validating client secret.' });
    }
    if (q.grant_type === 'fb_exchange_token') {
      const short = q.fb_exchange_token ? this.state.tokens.get(q.fb_exchange_token) : undefined;
      if (!short || short.kind !== 'user') {
        return graphError(190);
      }
      const err = this.tokenError(short);
      if (err) {
        return err;
      }
      const token = this.state.issueUserToken(short.userId, { longLived: true });
      const record = this.state.tokens.get(token)!;
      return ok({
        access_token: token,
        token_type: 'bearer',
        expires_in: Math.round(((record.expiresAt ?? 0) - this.state.now()) / 1000),
      });
    }
    const code = q.code ? this.state.authCodes.get(q.code) : undefined;
    if (!code) {
      return graphError(100, { message: 'Invalid verification code format.' });
    }
    if (code.used) {
      return graphError(100, { subcode: 36009, message: 'This authorization code has been used.' });
    }
    if (code.expiresAt <= this.state.now()) {
      return graphError(100, { subcode: 36007, message: 'This authorization code has expired.' });
    }
    if (q.redirect_uri !== code.redirectUri) {
      return graphError(100, {
        subcode: 36008,
        message:
          'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
      });
    }
    code.used = true;
    const token = this.state.issueUserToken(code.userId);
    const record = this.state.tokens.get(token)!;
    return ok({
      access_token: token,
      token_type: 'bearer',
      expires_in: Math.round(((record.expiresAt ?? 0) - this.state.now()) / 1000),
    });
  }

  private debugToken(req: GraphRequest): EmulatorResponse {
    const auth = this.authenticate(req);
    if ('status' in auth) {
      return auth;
    }
    const input = req.query.input_token;
    if (!input) {
      return graphError(100, { message: '(#100) The parameter input_token is required' });
    }
    const record = this.state.tokens.get(input);
    if (!record) {
      return ok({
        data: {
          is_valid: false,
          scopes: [],
          error: { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' },
        },
      });
    }
    const user = this.state.users.get(record.userId);
    const err = this.tokenError(record);
    const errBody = err && isDict(err.body) && isDict(err.body.error) ? err.body.error : undefined;
    const data: Dict = {
      app_id: this.options.appId,
      type: record.kind === 'page' ? 'PAGE' : 'USER',
      application: 'Emulated App',
      data_access_expires_at: Math.floor((record.issuedAt + 90 * DAY) / 1000),
      expires_at: record.expiresAt === null ? 0 : Math.floor(record.expiresAt / 1000),
      is_valid: !err,
      issued_at: Math.floor(record.issuedAt / 1000),
      scopes: [...(user?.grantedScopes ?? [])],
      granular_scopes: [...(user?.grantedScopes ?? [])].map((scope) => ({ scope })),
      user_id: record.userId,
    };
    if (record.pageId) {
      data.profile_id = record.pageId;
    }
    if (errBody) {
      data.error = { code: errBody.code, message: errBody.message, subcode: errBody.error_subcode };
    }
    return ok({ data });
  }

  // ------------------------------------------------------------ objects

  private me(auth: Auth, req: GraphRequest): EmulatorResponse {
    if (auth.kind === 'app') {
      return graphError(2500, {
        message: 'An active access token must be used to query information about the current user.',
      });
    }
    if (auth.token.kind === 'page') {
      const page = this.state.requirePage(auth.token.pageId!);
      return ok(pick({ id: page.id, name: page.name }, req.query.fields));
    }
    const user = this.state.requireUser(auth.token.userId);
    return ok(pick({ id: user.id, name: user.name }, req.query.fields));
  }

  private accounts(auth: Auth, req: GraphRequest): EmulatorResponse {
    if (auth.kind === 'app' || auth.token.kind !== 'user') {
      return graphError(100, { message: '(#100) Tried accessing nonexisting field (accounts)' });
    }
    const token = auth.token;
    const user = this.state.requireUser(token.userId);
    // Without pages_show_list the edge is simply empty.
    const pageIds = this.scopesOf(token).has('pages_show_list') ? [...user.pageIds] : [];
    const limit = Math.max(
      1,
      Math.min(Number(req.query.limit) || PAGE_SIZE, this.state.pagingLimit),
    );
    const start = req.query.after
      ? Number(Buffer.from(req.query.after, 'base64url').toString())
      : 0;
    const slice = pageIds.slice(start, start + limit);
    const seesInstagram = this.scopesOf(token).has('instagram_basic');
    const data = slice.map((pageId) => {
      const page = this.state.requirePage(pageId);
      const full: Dict = {
        id: page.id,
        name: page.name,
        access_token: this.state.pageTokenFor(page.id, user.id, token),
        category: 'Shopping & retail',
        tasks: page.tasks,
      };
      if (seesInstagram && page.instagramAccountId) {
        full.instagram_business_account = { id: page.instagramAccountId };
      }
      return pick(full, req.query.fields ?? 'id,name,access_token,category,tasks');
    });
    const body: Dict = { data };
    if (slice.length > 0) {
      const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
      const paging: Dict = {
        cursors: { before: cursor(start), after: cursor(start + slice.length) },
      };
      if (start + slice.length < pageIds.length) {
        const next = new URL(`${this.state.baseUrl}/me/accounts`);
        for (const [k, v] of Object.entries(req.query)) {
          next.searchParams.set(k, v);
        }
        next.searchParams.set('after', cursor(start + slice.length));
        paging.next = next.toString();
      }
      body.paging = paging;
    }
    return ok(body);
  }

  private object(auth: Auth, id: string, req: GraphRequest): EmulatorResponse {
    const fields = req.query.fields;
    const customer = this.state.customers.get(id);
    if (customer) {
      if (auth.kind === 'app' || auth.token.kind !== 'page') {
        return unsupportedGet(id);
      }
      const page = this.state.requirePage(auth.token.pageId!);
      if (page.instagramAccountId !== customer.igAccountId) {
        return unsupportedGet(id);
      }
      return this.customerProfile(auth.token, customer, fields, 'instagram_manage_messages');
    }
    const ig = this.state.igAccounts.get(id);
    if (ig) {
      if (auth.kind === 'app' || !this.canSeePage(auth.token, ig.pageId)) {
        return unsupportedGet(id);
      }
      const missing = this.requireScope(auth.token, 'instagram_basic');
      if (missing) {
        return missing;
      }
      return ok(
        pick(
          {
            id: ig.id,
            username: ig.username,
            name: ig.name,
            profile_picture_url: ig.profilePictureUrl,
            followers_count: 1200,
            follows_count: 80,
            media_count: 37,
            biography: 'Emulated business account',
          },
          fields ?? 'id,username',
        ),
      );
    }
    const page = this.state.pages.get(id);
    if (page) {
      if (auth.kind === 'app' || !this.canSeePage(auth.token, page.id)) {
        return unsupportedGet(id);
      }
      const full: Dict = { id: page.id, name: page.name, tasks: page.tasks };
      if (page.instagramAccountId && this.scopesOf(auth.token).has('instagram_basic')) {
        full.instagram_business_account = { id: page.instagramAccountId };
      }
      if (auth.token.kind === 'user') {
        full.access_token = this.state.pageTokenFor(page.id, auth.token.userId, auth.token);
      } else {
        full.access_token = auth.token.token;
      }
      return ok(pick(full, fields ?? 'id,name'));
    }
    const user = this.state.users.get(id);
    if (user && auth.kind === 'token' && auth.token.userId === id && auth.token.kind === 'user') {
      return ok(pick({ id: user.id, name: user.name }, fields ?? 'id,name'));
    }
    return unsupportedGet(id);
  }

  /** The User Profile API for a customer of the token's account (either host). */
  customerProfile(
    token: EmulatedToken,
    customer: EmulatedCustomer,
    fields: string | undefined,
    scope: string,
  ): EmulatorResponse {
    if (customer.blocked) {
      return unsupportedGet(customer.igsid);
    }
    const missing = this.requireScope(token, scope);
    if (missing) {
      return missing;
    }
    if (!customer.consent) {
      return graphError(230, { status: 400 });
    }
    return ok(
      pick(
        {
          id: customer.igsid,
          name: customer.name,
          username: customer.username,
          profile_pic: customer.profilePicUrl,
          is_verified_user: customer.isVerifiedUser,
          follower_count: customer.followerCount,
          is_user_follow_business: customer.isUserFollowBusiness,
          is_business_follow_user: customer.isBusinessFollowUser,
        },
        fields ?? 'name,username,profile_pic',
      ),
    );
  }

  private canSeePage(token: EmulatedToken, pageId: string): boolean {
    if (token.kind === 'page') {
      return token.pageId === pageId;
    }
    return this.state.users.get(token.userId)?.pageIds.has(pageId) ?? false;
  }

  // ------------------------------------------------------------ subscriptions and permissions

  private subscribedApps(auth: Auth, pageId: string, req: GraphRequest): EmulatorResponse {
    const page = this.state.pages.get(pageId);
    if (!page || auth.kind === 'app') {
      return unsupportedGet(pageId);
    }
    if (auth.token.kind !== 'page' || auth.token.pageId !== pageId) {
      return graphError(210, {
        message: '(#210) A page access token is required to request this resource.',
      });
    }
    if (req.method === 'GET') {
      const fields = this.state.subscriptions.get(pageId);
      return ok({
        data: fields
          ? [
              {
                category: 'Business',
                link: 'https://emulated.example/',
                name: 'Emulated App',
                id: this.options.appId,
                subscribed_fields: fields,
              },
            ]
          : [],
      });
    }
    const missing = this.requireScopeAs200(auth.token, 'pages_manage_metadata');
    if (missing) {
      return missing;
    }
    if (req.method === 'DELETE') {
      this.state.subscriptions.delete(pageId);
      return ok({ success: true });
    }
    if (req.method === 'POST') {
      const raw = req.query.subscribed_fields ?? str(req.body.subscribed_fields);
      if (!raw) {
        return graphError(100, { message: '(#100) The parameter subscribed_fields is required' });
      }
      const fields = raw
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean);
      const bad = fields.findIndex((f) => !SUBSCRIBABLE_FIELDS.has(f));
      if (bad >= 0) {
        return graphError(100, {
          message: `(#100) Param subscribed_fields[${bad}] must be one of {${[...SUBSCRIBABLE_FIELDS].join(', ')}} - got "${fields[bad]}".`,
        });
      }
      this.state.subscriptions.set(pageId, fields);
      return ok({ success: true });
    }
    return graphError(100, { message: '(#100) Unsupported method' });
  }

  private requireScopeAs200(token: EmulatedToken, scope: string): EmulatorResponse | undefined {
    if (this.scopesOf(token).has(scope)) {
      return undefined;
    }
    return graphError(200, { message: `(#200) Requires ${scope} permission to manage the object` });
  }

  private permissions(
    auth: Auth,
    userId: string,
    permission: string | undefined,
    req: GraphRequest,
  ): EmulatorResponse {
    const user = this.state.users.get(
      userId === 'me' && auth.kind === 'token' ? auth.token.userId : userId,
    );
    if (!user) {
      return unsupportedGet(userId);
    }
    const allowed =
      auth.kind === 'app' || (auth.token.kind === 'user' && auth.token.userId === user.id);
    if (!allowed) {
      return graphError(200, { message: '(#200) Cannot modify permissions of another user' });
    }
    if (req.method === 'GET') {
      return ok({
        data: [
          ...[...user.grantedScopes].map((p) => ({ permission: p, status: 'granted' })),
          ...[...user.declinedScopes].map((p) => ({ permission: p, status: 'declined' })),
        ],
      });
    }
    if (req.method !== 'DELETE') {
      return graphError(100, { message: '(#100) Unsupported method' });
    }
    if (permission) {
      user.grantedScopes.delete(permission);
      return ok({ success: true });
    }
    this.state.removeApp(user.id);
    return ok({ success: true });
  }

  // ------------------------------------------------------------ Send API

  private async send(auth: Auth, target: string, req: GraphRequest): Promise<EmulatorResponse> {
    if (auth.kind === 'app' || auth.token.kind !== 'page') {
      return graphError(100, {
        message: '(#100) A Page access token is required for the Send API',
      });
    }
    const token = auth.token;
    if (target !== 'me' && target !== token.pageId) {
      return unsupportedGet(target);
    }
    const page = this.state.requirePage(token.pageId!);
    const igAccountId = page.instagramAccountId;
    if (!igAccountId) {
      return graphError(100, {
        message: '(#100) The Page is not linked to an Instagram professional account',
      });
    }
    return this.deliver(token, igAccountId, page.id, 'instagram_manage_messages', req);
  }

  /** The Send API once the sender is known (a Page's account, or an Instagram Login account). */
  async deliver(
    token: EmulatedToken,
    igAccountId: string,
    pageId: string,
    messagingScope: string,
    req: GraphRequest,
  ): Promise<EmulatorResponse> {
    const via = token.kind === 'instagram' ? 'graph.instagram.com' : 'graph.facebook.com';
    const body = req.body;
    const recipientId = str(isDict(body.recipient) ? body.recipient.id : undefined);
    if (!recipientId) {
      return graphError(100, { message: '(#100) The parameter recipient is required' });
    }
    const missing = this.requireScope(token, messagingScope);
    if (missing) {
      return missing;
    }
    const customer = this.state.customers.get(recipientId);
    if (!customer || customer.igAccountId !== igAccountId) {
      return graphError(100, { subcode: 2018001, message: '(#100) No matching user found' });
    }
    if (customer.blocked) {
      return USER_UNAVAILABLE();
    }

    const senderAction = str(body.sender_action);
    if (senderAction !== undefined) {
      if (!SENDER_ACTIONS.has(senderAction)) {
        return graphError(100, {
          message: `(#100) Param sender_action must be one of {${[...SENDER_ACTIONS].join(', ')}}`,
        });
      }
      if (
        senderAction === 'mark_seen' &&
        Object.keys(body).some(
          (k) => !['recipient', 'sender_action', 'access_token', 'appsecret_proof'].includes(k),
        )
      ) {
        return graphError(100, {
          message: '(#100) mark_seen requests must only contain recipient and sender_action',
        });
      }
      if (body.message !== undefined) {
        return graphError(100, { message: '(#100) sender_action cannot be sent with message' });
      }
      const windowError = this.checkWindow(igAccountId, recipientId, undefined);
      if (windowError) {
        return windowError;
      }
      this.state.sentMessages.push({
        via,
        token: token.token,
        mid: '',
        igAccountId,
        pageId,
        igsid: recipientId,
        kind: 'sender_action',
        senderAction,
        messagingType: 'RESPONSE',
        at: this.state.now(),
      });
      return ok({ recipient_id: recipientId });
    }

    if (!isDict(body.message)) {
      return graphError(100, { message: '(#100) The parameter message is required' });
    }
    const message = body.message;
    const messagingType = str(body.messaging_type) ?? 'RESPONSE';
    if (!['RESPONSE', 'UPDATE', 'MESSAGE_TAG'].includes(messagingType)) {
      return graphError(100, {
        message: '(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}',
      });
    }
    const tag = str(body.tag);
    if (messagingType === 'MESSAGE_TAG' && !tag) {
      return graphError(100, { message: '(#100) The parameter tag is required for MESSAGE_TAG' });
    }
    if (tag !== undefined && tag !== 'HUMAN_AGENT') {
      return graphError(100, {
        message: `(#100) Tag ${tag} is not available for Instagram Messaging API`,
      });
    }

    const text = message.text;
    const attachment = message.attachment;
    const contentCount = [
      text !== undefined,
      attachment !== undefined,
      message.attachments !== undefined,
    ].filter(Boolean).length;
    if (contentCount !== 1) {
      return graphError(100, {
        message:
          '(#100) Exactly one of message[text], message[attachment], message[attachments] is required',
      });
    }
    let sent: Omit<
      SentMessage,
      'mid' | 'at' | 'igAccountId' | 'pageId' | 'igsid' | 'messagingType' | 'tag' | 'via' | 'token'
    >;
    if (text !== undefined) {
      if (typeof text !== 'string' || text.trim() === '') {
        return graphError(100, {
          message: '(#100) Param message[text] must be a non-empty UTF-8 encoded string',
        });
      }
      if (Buffer.byteLength(text, 'utf8') > TEXT_MAX_BYTES) {
        return graphError(100, {
          message: '(#100) Length of param message[text] must be less than or equal to 1000',
        });
      }
      if (Array.isArray(message.quick_replies) && message.quick_replies.length > 13) {
        return graphError(100, {
          message: '(#100) param message[quick_replies] must have at most 13 items',
        });
      }
      sent = { kind: 'text', text };
    } else {
      const one = isDict(attachment)
        ? attachment
        : Array.isArray(message.attachments) && isDict(message.attachments[0])
          ? message.attachments[0]
          : undefined;
      if (!one) {
        return graphError(100, { message: '(#100) Param message[attachment] must be an object' });
      }
      const type = str(one.type) ?? '';
      if (!SEND_ATTACHMENT_TYPES.has(type)) {
        return graphError(100, {
          message: `(#100) Param message[attachment][type] must be one of {image, video, audio, file} - got "${type}"`,
        });
      }
      const payload = isDict(one.payload) ? one.payload : {};
      const url = str(payload.url);
      const attachmentId = str(payload.attachment_id);
      if (!attachmentId) {
        if (!url || !isHttpUrl(url)) {
          return graphError(100, {
            message: '(#100) Param message[attachment][payload][url] must be a valid URL',
          });
        }
        if (this.state.fetchAttachments && !(await reachable(url))) {
          return graphError(100, {
            subcode: 2018047,
            message: '(#100) Upload attachment failure.',
          });
        }
      }
      sent = { kind: 'attachment', attachment: { type, url, attachmentId } };
    }

    const windowError = this.checkWindow(igAccountId, recipientId, tag);
    if (windowError) {
      return windowError;
    }

    const record: SentMessage = {
      ...sent,
      via,
      token: token.token,
      mid: this.state.newMid(igAccountId),
      igAccountId,
      pageId,
      igsid: recipientId,
      messagingType,
      tag,
      at: this.state.now(),
    };
    this.state.sentMessages.push(record);
    this.options.onSent(record);
    return ok({ recipient_id: recipientId, message_id: record.mid });
  }

  /** 24 h standard window; HUMAN_AGENT extends to 7 days, only with the app feature. */
  checkWindow(
    igAccountId: string,
    igsid: string,
    tag: string | undefined,
  ): EmulatorResponse | undefined {
    const last = this.state.lastCustomerMessageAt(igAccountId, igsid);
    const elapsed = last === undefined ? Infinity : this.state.now() - last;
    if (tag === 'HUMAN_AGENT') {
      if (!this.state.humanAgent) {
        return graphError(10, {
          subcode: 2018065,
          status: 400,
          message:
            '(#10) This message is sent outside of allowed window. Your app does not have access to the HUMAN_AGENT tag.',
        });
      }
      return elapsed > 7 * DAY ? WINDOW_CLOSED() : undefined;
    }
    return elapsed > DAY ? WINDOW_CLOSED() : undefined;
  }
}

function unsupportedGet(id: string): EmulatorResponse {
  return graphError(100, {
    subcode: 33,
    type: 'GraphMethodException',
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  });
}

/** Graph returns only the requested fields (and always `id` when the object has one). */
function pick(full: Dict, fields: string | undefined): Dict {
  if (!fields) {
    return full;
  }
  const wanted = new Set(fields.split(',').map((f) => f.trim().replace(/\{.*$/, '')));
  const out: Dict = {};
  for (const [key, value] of Object.entries(full)) {
    if ((wanted.has(key) || key === 'id') && value !== null && value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

export function newAuthCode(): string {
  return `AQ${randomBytes(32).toString('base64url')}`;
}
