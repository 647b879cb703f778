import { Injectable, Logger } from '@nestjs/common';
import {
  accountHolder,
  ConnectionSignals,
  FACEBOOK_LOGIN_SCOPES,
  INSTAGRAM_LOGIN_SCOPES,
  INSTAGRAM_SUBSCRIBED_FIELDS,
  instagramAccessProblemOf,
  MessagingProbeOptions,
  PAGE_SUBSCRIBED_FIELDS,
  probeInstagramMessaging,
  REQUIRED_FACEBOOK_SCOPES,
} from '@app/credentials';
import { FacebookPage, isMetaGraphError, MetaGraphClient } from '@app/meta-graph';
import {
  connectionConflict,
  ExistingConnection,
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstagramAccountTakenError,
  InstallationRepository,
  LoginPath,
} from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';
import { SignedState } from '../pages/signed-state.util';
import { ConnectHandleStore, PageOption } from './connect-handle.store';

/** How long the Facebook dialog may take, from "Connect" to the callback. */
export const CONNECT_STATE_TTL_MS = 10 * 60_000;

export type ConnectDisplay = 'page' | 'popup';

/** The signed `state` of the Facebook dialog: which installation asked, and how it shows results. */
export interface ConnectStatePayload {
  /** Installation id. */
  i: string;
  /** LiveChat account id of the admin who clicked "Connect" (logs). */
  a: string;
  /** Nonce: each state is accepted once. */
  n: string;
  d: ConnectDisplay;
  /** `instagram` for Instagram Login; absent for Facebook Login. */
  l?: 'instagram';
}

export function parseConnectState(raw: unknown): ConnectStatePayload | undefined {
  if (typeof raw !== 'object' || raw === null) {
    return undefined;
  }
  const { i, a, n, d, l } = raw as Record<string, unknown>;
  if (
    (l !== undefined && l !== 'instagram') ||
    typeof i !== 'string' ||
    !/^[0-9a-f-]{36}$/i.test(i) ||
    typeof a !== 'string' ||
    a.length > 128 ||
    typeof n !== 'string' ||
    !/^[A-Za-z0-9_-]{16,64}$/.test(n) ||
    (d !== 'page' && d !== 'popup')
  ) {
    return undefined;
  }
  return l === 'instagram' ? { i, a, n, d, l } : { i, a, n, d };
}

export type ChooserOptionState = 'available' | 'connected-here' | 'taken';

export interface ChooserOption {
  pageId: string;
  pageName: string;
  username: string | null;
  name: string | null;
  avatarUrl: string | null;
  state: ChooserOptionState;
}

/** What the callback page shows: the handle to complete with, or why there is none. */
export type ConnectOutcome =
  | { kind: 'handoff'; handle: string }
  | { kind: 'cancelled' }
  | { kind: 'login-failed'; description?: string }
  | { kind: 'bad-state'; reason: 'missing' | 'malformed' | 'bad-signature' | 'expired' }
  | { kind: 'state-used' }
  | { kind: 'bad-request'; message: string }
  | { kind: 'not-installed' }
  | { kind: 'login-expired' }
  | { kind: 'missing-permissions'; missing: string[] }
  | { kind: 'no-pages' }
  | { kind: 'no-instagram'; pageNames: string[] }
  | { kind: 'messaging-not-allowed'; username: string | null }
  | { kind: 'upstream-failed' };

/** What connecting one Page can end in. */
export type PageConnectOutcome =
  | { kind: 'connected'; account: InstagramAccountEntity; reconnected: boolean }
  | { kind: 'login-expired' }
  | { kind: 'missing-permissions'; missing: string[] }
  | { kind: 'messaging-not-allowed'; username: string | null }
  | { kind: 'taken'; username: string | null; existing: ExistingConnection; where: string }
  | { kind: 'upstream-failed' };

/** `POST /api/instagram/connect/complete`'s outcomes. */
export type CompleteOutcome =
  | PageConnectOutcome
  | { kind: 'choose'; options: ChooserOption[] }
  /** Unknown, expired, or already used. */
  | { kind: 'handle-gone' }
  /** The handle belongs to another installation's connect: refused, and burnt. */
  | { kind: 'other-installation' }
  | { kind: 'unknown-page' };

export interface ConnectResult {
  display: ConnectDisplay;
  outcome: ConnectOutcome;
  /** Which dialog came back (wording of the page). */
  login?: LoginPath;
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
}

/** Graph subcodes of a login code that can no longer be exchanged (expired, already used). */
const DEAD_CODE_SUBCODES = new Set([36007, 36009]);

/**
 * Connecting an Instagram professional account through Facebook Login (meta-instagram-api.md §5.1):
 * dialog URL with a signed expiring state → callback: code → long-lived user token → granted
 * permissions → Pages with their Instagram accounts → a single-use handle, handed to the settings
 * page that opened the dialog → complete (the admin's Bearer token, same installation as the
 * state): (choice when several) → messaging check → Page subscription → stored connection. The
 * callback alone connects nothing, so a dialog URL sent to someone else's Page admin connects
 * nothing either. Every failure a person can act on comes back as an outcome.
 */
@Injectable()
export class InstagramConnectService {
  private readonly logger = new Logger(InstagramConnectService.name);
  private readonly states: SignedState<ConnectStatePayload>;
  private readonly probe: MessagingProbeOptions;
  readonly redirectUri: string;

  constructor(
    env: GatewayEnv,
    private readonly graph: MetaGraphClient,
    private readonly installations: InstallationRepository,
    private readonly accounts: InstagramAccountRepository,
    private readonly handles: ConnectHandleStore,
    private readonly signals: ConnectionSignals,
  ) {
    this.states = new SignedState(
      env.TOKEN_ENCRYPTION_KEY,
      'instagram-connect-state',
      parseConnectState,
    );
    this.redirectUri = `${env.PUBLIC_URL.replace(/\/+$/, '')}/connect/instagram/callback`;
    this.probe = {
      graphUrl: env.META_GRAPH_URL,
      graphVersion: env.META_GRAPH_VERSION,
      appSecret: env.META_APP_SECRET,
      timeoutMs: env.UPSTREAM_TIMEOUT_MS,
    };
  }

  /** Instagram Login needs the Instagram app's id and secret (META_INSTAGRAM_APP_ID/SECRET). */
  instagramLoginAvailable(): boolean {
    return this.graph.instagramLoginAvailable();
  }

  /**
   * The login dialog for this installation: Facebook Login (`auth_type=rerequest`: declined
   * permissions are asked again) or Instagram Login. Both come back to the same callback; the
   * signed state says which.
   */
  loginUrl(
    installationId: string,
    livechatAccountId: string,
    display: ConnectDisplay,
    now: number = Date.now(),
    login: LoginPath = 'facebook',
  ): string {
    const state = this.signState(
      {
        i: installationId,
        a: livechatAccountId,
        n: randomBytes(16).toString('base64url'),
        d: display,
        ...(login === 'instagram' ? { l: 'instagram' as const } : {}),
      },
      now,
    );
    if (login === 'instagram') {
      return this.graph.buildInstagramLoginUrl({
        redirectUri: this.redirectUri,
        state,
        scopes: [...INSTAGRAM_LOGIN_SCOPES],
      });
    }
    return this.graph.buildLoginDialogUrl({
      redirectUri: this.redirectUri,
      state,
      scopes: [...FACEBOOK_LOGIN_SCOPES],
      authType: 'rerequest',
    });
  }

  signState(payload: ConnectStatePayload, now: number = Date.now()): string {
    return this.states.sign(payload, CONNECT_STATE_TTL_MS, now);
  }

  async callback(query: CallbackQuery): Promise<ConnectResult> {
    const check = this.states.verify(query.state);
    if (!check.ok) {
      return { display: 'page', outcome: { kind: 'bad-state', reason: check.reason } };
    }
    const { i: installationId, n: nonce, d: display, a: livechatAccountId } = check.payload;
    const login: LoginPath = check.payload.l === 'instagram' ? 'instagram' : 'facebook';
    const done = (outcome: ConnectOutcome): ConnectResult => ({ display, outcome, login });
    if (!(await this.handles.claimNonce(nonce, CONNECT_STATE_TTL_MS))) {
      return done({ kind: 'state-used' });
    }
    if (!(await this.installationIsLive(installationId))) {
      return done({ kind: 'not-installed' });
    }
    if (query.error !== undefined) {
      return done(
        query.error === 'access_denied'
          ? { kind: 'cancelled' }
          : { kind: 'login-failed', description: query.errorDescription },
      );
    }
    if (!query.code) {
      return done({
        kind: 'bad-request',
        message: `${login === 'instagram' ? 'Instagram' : 'Facebook'} sent no login code.`,
      });
    }
    if (login === 'instagram') {
      return done(await this.instagramCallback(installationId, livechatAccountId, query.code));
    }
    try {
      const short = await this.graph.exchangeCode({
        code: query.code,
        redirectUri: this.redirectUri,
      });
      const userToken = (await this.graph.exchangeForLongLivedToken(short.accessToken)).accessToken;
      const debug = await this.graph.debugToken(userToken);
      if (!debug.isValid) {
        return done({ kind: 'login-expired' });
      }
      const missing = Object.keys(REQUIRED_FACEBOOK_SCOPES).filter(
        (s) => !debug.scopes.includes(s),
      );
      if (missing.length > 0) {
        return done({ kind: 'missing-permissions', missing });
      }
      const pages = await this.graph.listPages(userToken);
      if (pages.length === 0) {
        return done({ kind: 'no-pages' });
      }
      const linked = pages.filter((p) => p.instagramBusinessAccountId !== undefined);
      if (linked.length === 0) {
        return done({ kind: 'no-instagram', pageNames: pages.map((p) => p.name).filter(Boolean) });
      }
      const options = await Promise.all(linked.map((page) => this.describe(page)));
      // Nothing is connected here: whoever holds this browser may not be the admin who started
      // the connect. The settings page of the state's installation completes it with the handle.
      const handle = await this.handles.save({
        installationId,
        livechatAccountId,
        facebookUserId: debug.userId ?? null,
        options,
      });
      this.logger.log({
        msg: 'instagram connect: login finished, waiting for the settings page',
        installationId,
        livechatAccountId,
        pagesWithInstagram: options.length,
      });
      return done({ kind: 'handoff', handle });
    } catch (error) {
      return done(this.failure(error, installationId));
    }
  }

  /**
   * Instagram Login (meta-instagram-api.md §5.2): code → short-lived token (either answer shape) →
   * 60-day token → the professional account it acts for (`user_id`, what webhooks carry) → a
   * handle with that one account, completed like a single Page.
   */
  private async instagramCallback(
    installationId: string,
    livechatAccountId: string,
    code: string,
  ): Promise<ConnectOutcome> {
    try {
      const short = await this.graph.exchangeInstagramCode({ code, redirectUri: this.redirectUri });
      const missing = INSTAGRAM_LOGIN_SCOPES.filter((s) => !short.permissions.includes(s));
      if (short.permissions.length > 0 && missing.length > 0) {
        return { kind: 'missing-permissions', missing };
      }
      const long = await this.graph.exchangeInstagramLongLivedToken(short.accessToken);
      const me = await this.graph.instagramMe(long.accessToken);
      const expiresAt = long.expiresIn ? Date.now() + long.expiresIn * 1000 : null;
      const handle = await this.handles.save({
        installationId,
        livechatAccountId,
        facebookUserId: me.appScopedId ?? null,
        login: 'instagram',
        options: [
          {
            // The account holds its own subscription on this path: it stands where a Page would.
            pageId: me.userId,
            pageName: '',
            instagramAccountId: me.userId,
            pageToken: long.accessToken,
            username: me.username ?? null,
            name: me.name ?? null,
            avatarUrl: me.profilePictureUrl ?? null,
            tokenExpiresAt: expiresAt,
          },
        ],
      });
      this.logger.log({
        msg: 'instagram connect (Instagram Login): login finished, waiting for the settings page',
        installationId,
        livechatAccountId,
      });
      return { kind: 'handoff', handle };
    } catch (error) {
      if (
        isMetaGraphError(error) &&
        error.method === 'exchangeInstagramCode' &&
        error.status === 400
      ) {
        // api.instagram.com refuses used, expired or mismatched codes with a 400.
        return { kind: 'login-expired' };
      }
      return this.failure(error, installationId);
    }
  }

  /**
   * The settings page's half: the admin (already authenticated, of `installationId`) presents the
   * handle. Only the installation named in the state may use it; a handle presented by another
   * one has left the initiator's browser, so it is burnt. With several Pages and no `pageId`, the
   * answer is the list to choose from (the handle stays usable); a handle is used up once it
   * connected.
   */
  async complete(
    installationId: string,
    handle: string,
    pageId: string | undefined,
  ): Promise<CompleteOutcome> {
    const pending = await this.handles.peek(handle);
    if (!pending) {
      return { kind: 'handle-gone' };
    }
    if (pending.installationId !== installationId) {
      await this.handles.burn(handle);
      this.logger.warn({
        msg: 'instagram connect: handle presented by another installation; refused and burnt',
        installationId,
        startedBy: pending.installationId,
      });
      return { kind: 'other-installation' };
    }
    if (pageId === undefined && pending.options.length > 1) {
      return { kind: 'choose', options: await this.annotate(installationId, pending.options) };
    }
    const wanted = pageId ?? pending.options[0]?.pageId;
    if (!pending.options.some((o) => o.pageId === wanted)) {
      return { kind: 'unknown-page' };
    }
    const taken = await this.handles.take(handle);
    const option = taken?.pending.options.find((o) => o.pageId === wanted);
    if (!taken || !option) {
      return { kind: 'handle-gone' };
    }
    let outcome: PageConnectOutcome;
    try {
      outcome =
        taken.pending.login === 'instagram'
          ? await this.connectInstagramLogin(installationId, taken.pending.facebookUserId, option)
          : await this.connectPage(installationId, taken.pending.facebookUserId, option);
    } catch (error) {
      const failure = this.failure(error, installationId);
      outcome =
        failure.kind === 'login-expired' ||
        failure.kind === 'missing-permissions' ||
        failure.kind === 'messaging-not-allowed'
          ? failure
          : { kind: 'upstream-failed' };
    }
    if (outcome.kind !== 'connected') {
      // Nothing changed: the admin may pick another Page or try again.
      await this.handles.restore(handle, taken);
    }
    return outcome;
  }

  /** Instagram Login's half of complete: subscribe the account itself, store its own token. */
  private async connectInstagramLogin(
    installationId: string,
    appScopedUserId: string | null,
    option: PageOption,
  ): Promise<PageConnectOutcome> {
    const existing = await this.accounts.findByInstagramId(option.instagramAccountId);
    const conflict = connectionConflict(existing, installationId, 'instagram');
    if (conflict) {
      return this.taken(option.username, conflict);
    }
    const refused = await this.subscribe(installationId, option, {
      client: this.graph.forLogin('instagram'),
      objectId: option.instagramAccountId,
      fields: INSTAGRAM_SUBSCRIBED_FIELDS,
      permission: 'instagram_business_manage_messages',
    });
    if (refused) {
      return refused;
    }
    return this.store(installationId, existing, option, {
      loginPath: 'instagram',
      connectedByUserId: appScopedUserId,
    });
  }

  private async connectPage(
    installationId: string,
    facebookUserId: string | null,
    option: PageOption,
  ): Promise<PageConnectOutcome> {
    const existing = await this.accounts.findByInstagramId(option.instagramAccountId);
    const conflict = connectionConflict(existing, installationId, 'facebook');
    if (conflict) {
      return this.taken(option.username, conflict);
    }
    const problem = await probeInstagramMessaging(this.probe, option.pageToken, option.pageId);
    if (problem) {
      return { kind: 'messaging-not-allowed', username: option.username };
    }
    const refused = await this.subscribe(installationId, option, {
      client: this.graph,
      objectId: option.pageId,
      fields: PAGE_SUBSCRIBED_FIELDS,
      permission: 'pages_manage_metadata',
    });
    if (refused) {
      return refused;
    }
    return this.store(installationId, existing, option, {
      loginPath: 'facebook',
      connectedByUserId: facebookUserId,
    });
  }

  /**
   * Subscribes our app to the Page (Facebook path) or the Instagram account itself (Instagram
   * Login): the outcome that stops the connect, or undefined when subscribed. `permission` is
   * named when Meta refuses for a missing permission without saying which.
   */
  private async subscribe(
    installationId: string,
    option: PageOption,
    target: {
      client: MetaGraphClient;
      objectId: string;
      fields: readonly string[];
      permission: string;
    },
  ): Promise<PageConnectOutcome | undefined> {
    try {
      if (await target.client.subscribeApp(option.pageToken, target.objectId, [...target.fields])) {
        return undefined;
      }
      this.logger.warn({ msg: 'instagram connect: subscription not confirmed', installationId });
      return { kind: 'upstream-failed' };
    } catch (error) {
      const access = instagramAccessProblemOf(error);
      if (access?.kind === 'messaging-not-allowed') {
        return { kind: 'messaging-not-allowed', username: option.username };
      }
      if (access?.kind === 'permission-missing') {
        return { kind: 'missing-permissions', missing: [access.permission ?? target.permission] };
      }
      throw error;
    }
  }

  private async store(
    installationId: string,
    existing: InstagramAccountEntity | null,
    option: PageOption,
    path: { loginPath: LoginPath; connectedByUserId: string | null },
  ): Promise<PageConnectOutcome> {
    let account: InstagramAccountEntity;
    try {
      account = await this.accounts.connect({
        installationId,
        pageId: option.pageId,
        instagramAccountId: option.instagramAccountId,
        pageToken: option.pageToken,
        username: option.username,
        name: option.name,
        pageName: option.pageName || null,
        avatarUrl: option.avatarUrl,
        connectedByUserId: path.connectedByUserId,
        loginPath: path.loginPath,
        tokenExpiresAt:
          option.tokenExpiresAt !== undefined && option.tokenExpiresAt !== null
            ? new Date(option.tokenExpiresAt)
            : null,
      });
    } catch (error) {
      if (error instanceof InstagramAccountTakenError) {
        return this.taken(option.username, error.existing);
      }
      throw error;
    }
    const reconnected = existing?.installationId === installationId;
    // Every worker sees the new state now, and replies held while it needed reconnecting go out.
    await this.signals.restored(accountHolder(account.id));
    this.logger.log({
      msg: reconnected ? 'instagram account reconnected' : 'instagram account connected',
      installationId,
      accountId: account.id,
    });
    return { kind: 'connected', account, reconnected };
  }

  /** Refused: says where the account is connected now (path here, or the other organization). */
  private async taken(
    username: string | null,
    existing: ExistingConnection,
  ): Promise<PageConnectOutcome> {
    let where: string;
    if (existing.otherInstallation) {
      const other = await this.installations.findById(existing.installationId);
      where = other?.licenseId
        ? `another LiveChat organization (license ${other.licenseId})`
        : 'another LiveChat organization';
    } else {
      where =
        existing.loginPath === 'facebook'
          ? 'this LiveChat organization through a Facebook Page'
          : 'this LiveChat organization as an Instagram professional account (Instagram Login)';
    }
    return { kind: 'taken', username, existing, where };
  }

  /** Display data of a Page's Instagram account; the connection does not depend on it. */
  private async describe(page: FacebookPage): Promise<PageOption> {
    const instagramAccountId = page.instagramBusinessAccountId ?? '';
    const option: PageOption = {
      pageId: page.id,
      pageName: page.name,
      instagramAccountId,
      pageToken: page.accessToken,
      username: null,
      name: null,
      avatarUrl: null,
    };
    try {
      const info = await this.graph.getInstagramAccount(page.accessToken, instagramAccountId);
      option.username = info.username ?? null;
      option.name = info.name ?? null;
      option.avatarUrl = info.profilePictureUrl ?? null;
    } catch (error) {
      if (isMetaGraphError(error) && error.reason === 'token-invalid') {
        throw error;
      }
      this.logger.warn({ msg: 'instagram connect: no display data', error: String(error) });
    }
    return option;
  }

  private async annotate(installationId: string, options: PageOption[]): Promise<ChooserOption[]> {
    return Promise.all(
      options.map(async (option) => {
        const existing = await this.accounts.findByInstagramId(option.instagramAccountId);
        let state: ChooserOptionState = 'available';
        if (existing && existing.status !== 'disconnected') {
          state = existing.installationId === installationId ? 'connected-here' : 'taken';
        }
        return {
          pageId: option.pageId,
          pageName: option.pageName,
          username: option.username,
          name: option.name,
          avatarUrl: option.avatarUrl,
          state,
        };
      }),
    );
  }

  private async installationIsLive(installationId: string): Promise<boolean> {
    const installation = await this.installations.findById(installationId);
    return installation !== null && installation.status !== 'uninstalled';
  }

  private failure(error: unknown, installationId: string): ConnectOutcome {
    if (
      isMetaGraphError(error) &&
      error.code === 100 &&
      DEAD_CODE_SUBCODES.has(error.subcode ?? 0)
    ) {
      return { kind: 'login-expired' };
    }
    const access = instagramAccessProblemOf(error);
    if (access?.kind === 'token-expired') {
      return { kind: 'login-expired' };
    }
    if (access?.kind === 'permission-missing') {
      return { kind: 'missing-permissions', missing: access.permission ? [access.permission] : [] };
    }
    if (access?.kind === 'messaging-not-allowed') {
      return { kind: 'messaging-not-allowed', username: null };
    }
    this.logger.error({ msg: 'instagram connect failed', installationId, error: String(error) });
    return { kind: 'upstream-failed' };
  }
}
