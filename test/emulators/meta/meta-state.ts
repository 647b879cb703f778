import { randomBytes, randomInt } from 'node:crypto';

/** Scopes our app asks for (Chatwoot's set); what a default emulated user has granted. */
export const DEFAULT_SCOPES = [
  'pages_manage_metadata',
  'business_management',
  'pages_messaging',
  'instagram_basic',
  'pages_show_list',
  'pages_read_engagement',
  'instagram_manage_messages',
];

export const DEFAULT_PAGE_TASKS = [
  'ANALYZE',
  'ADVERTISE',
  'MESSAGING',
  'MODERATE',
  'CREATE_CONTENT',
  'MANAGE',
];

const HOUR = 3_600_000;
const SHORT_LIVED_MS = 2 * HOUR;
const LONG_LIVED_SECONDS = 5_183_944;

export interface EmulatedUser {
  /** App-scoped user id. */
  id: string;
  name: string;
  grantedScopes: Set<string>;
  declinedScopes: Set<string>;
  pageIds: Set<string>;
  /** The user removed the app (or the app revoked all permissions): their tokens are dead. */
  appRemoved: boolean;
}

export interface EmulatedPage {
  id: string;
  name: string;
  tasks: string[];
  instagramAccountId?: string;
}

export interface EmulatedInstagramAccount {
  id: string;
  username: string;
  name: string;
  profilePictureUrl: string;
  /** The linked Facebook Page; '' for an account reached only through Instagram Login. */
  pageId: string;
  /** App-scoped Instagram user id (`id` of `GET graph.instagram.com/me`), unlike `id` (`user_id`). */
  appScopedId: string;
}

export interface EmulatedCustomer {
  igsid: string;
  igAccountId: string;
  name: string | null;
  username: string;
  profilePicUrl: string | null;
  isVerifiedUser: boolean;
  followerCount: number;
  isUserFollowBusiness: boolean;
  isBusinessFollowUser: boolean;
  /** Blocked the business / turned off messages: sends fail with 551/1545041. */
  blocked: boolean;
  /** Profile API consent (the customer messaged first); false → error 230. */
  consent: boolean;
}

/** `instagram`: an Instagram User token (Instagram API with Instagram Login, graph.instagram.com). */
export type TokenKind = 'user' | 'page' | 'instagram';

/** What the Instagram Login path asks for (meta-instagram-api.md §5.2). */
export const INSTAGRAM_LOGIN_SCOPES = [
  'instagram_business_basic',
  'instagram_business_manage_messages',
];

export interface EmulatedToken {
  token: string;
  kind: TokenKind;
  /** The Facebook user; for `instagram` tokens, the Instagram account id. */
  userId: string;
  pageId?: string;
  /** `instagram` tokens: the professional account they act for. */
  igAccountId?: string;
  issuedAt: number;
  /** Epoch ms; null never expires. */
  expiresAt: number | null;
  longLived: boolean;
  /** Set when invalidated for a reason other than expiry (Graph subcodes 458/460/467). */
  invalidated?: 'app-removed' | 'password-changed' | 'logged-out';
}

export interface SentMessage {
  mid: string;
  igAccountId: string;
  pageId: string;
  igsid: string;
  kind: 'text' | 'attachment' | 'sender_action';
  text?: string;
  attachment?: { type: string; url?: string; attachmentId?: string };
  senderAction?: string;
  messagingType: string;
  tag?: string;
  at: number;
  /** The host it was sent through. */
  via: 'graph.facebook.com' | 'graph.instagram.com';
  /** The access token the Send API call carried. */
  token: string;
}

export interface HostedMedia {
  id: string;
  contentType: string;
  bytes: Buffer;
  /** 200 normally; 404/410 to simulate an expired CDN URL. */
  status: number;
  /** Answered with a 302 to this URL instead of bytes (lookaside.fbsbx.com redirects to the CDN). */
  redirectTo?: string;
}

export interface LoginBehavior {
  /** `prompt` serves the dialog page; `auto-*` redirects at once. */
  mode: 'prompt' | 'auto-continue' | 'auto-cancel';
  /** Grant only these of the requested scopes (others count as declined). */
  grantScopes?: string[];
  /** Who is logged in to "Facebook"; default: the only user, or a new one. */
  userId?: string;
}

/** The Instagram Login dialog: who is logged in to "Instagram" and what they grant. */
export interface InstagramLoginBehavior {
  mode: 'prompt' | 'auto-continue' | 'auto-cancel';
  /** The professional account logged in; default: the only one, or a new Page-less one. */
  igAccountId?: string;
  grantScopes?: string[];
}

export interface AuthCode {
  code: string;
  userId: string;
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

export interface SeededInstagramLoginBusiness {
  igAccount: EmulatedInstagramAccount;
  /** Long-lived Instagram User token. */
  igToken: string;
  customer: EmulatedCustomer;
}

export interface SeededBusiness {
  user: EmulatedUser;
  /** Long-lived user token. */
  userToken: string;
  page: EmulatedPage;
  pageToken: string;
  igAccount: EmulatedInstagramAccount;
  customer: EmulatedCustomer;
}

function digits(length: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < length) {
    out += String(randomInt(0, 10));
  }
  return out;
}

/** Tiny but real files, so downloads have the right magic bytes. */
const SAMPLE_BYTES: Record<string, { contentType: string; bytes: Buffer }> = {
  image: {
    contentType: 'image/png',
    bytes: Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    ),
  },
  video: { contentType: 'video/mp4', bytes: Buffer.from('0000001866747970697366', 'hex') },
  audio: { contentType: 'audio/mp4', bytes: Buffer.from('0000001c667479704d3441', 'hex') },
  file: { contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') },
};

/**
 * Everything the emulated Meta knows. Tests seed it directly (users, pages, customers, windows)
 * and assert on it (sent messages, subscriptions).
 */
export class MetaState {
  readonly users = new Map<string, EmulatedUser>();
  readonly pages = new Map<string, EmulatedPage>();
  readonly igAccounts = new Map<string, EmulatedInstagramAccount>();
  readonly customers = new Map<string, EmulatedCustomer>();
  readonly tokens = new Map<string, EmulatedToken>();
  /** pageId → subscribed fields of our app. */
  readonly subscriptions = new Map<string, string[]>();
  readonly sentMessages: SentMessage[] = [];
  readonly media = new Map<string, HostedMedia>();
  readonly authCodes = new Map<string, AuthCode>();
  /** Instagram Login codes (`userId` = the Instagram account id). */
  readonly igAuthCodes = new Map<string, AuthCode>();
  /** Instagram account id → subscribed fields (Instagram Login `/{ig-user}/subscribed_apps`). */
  readonly igSubscriptions = new Map<string, string[]>();
  /** Instagram account id → permissions granted to the Instagram app. */
  readonly igScopes = new Map<string, Set<string>>();
  igLoginBehavior: InstagramLoginBehavior = { mode: 'prompt' };
  /** `data`: `{ data: [{ access_token, user_id, permissions }] }` (documented); `flat`: the object alone. */
  igCodeExchangeShape: 'data' | 'flat' = 'data';
  /** `${igAccountId}:${igsid}` → epoch ms of the customer's last message. */
  private readonly lastCustomerMessage = new Map<string, number>();
  /** The app has the Human Agent feature (App Review). */
  humanAgent: boolean;
  /** Emit an echo webhook for each message sent through the Send API. */
  echoes: boolean;
  loginBehavior: LoginBehavior = { mode: 'prompt' };
  /** Largest page `/me/accounts` returns (Graph caps `limit`); lower it to exercise paging. */
  pagingLimit = 100;
  /** GET each Send API attachment URL first; a non-2xx answer fails with 100/2018047. */
  fetchAttachments = false;
  /** Set by the emulator once listening (media URLs point at it). */
  baseUrl = '';

  constructor(
    private readonly clock: () => number,
    private readonly initial: {
      humanAgent?: boolean;
      echoes?: boolean;
      fetchAttachments?: boolean;
    } = {},
  ) {
    this.humanAgent = initial.humanAgent ?? false;
    this.echoes = initial.echoes ?? true;
    this.fetchAttachments = initial.fetchAttachments ?? false;
  }

  now(): number {
    return this.clock();
  }

  reset(): void {
    for (const map of [
      this.users,
      this.pages,
      this.igAccounts,
      this.customers,
      this.tokens,
      this.subscriptions,
      this.media,
      this.authCodes,
      this.igAuthCodes,
      this.igSubscriptions,
      this.igScopes,
      this.lastCustomerMessage,
    ]) {
      map.clear();
    }
    this.sentMessages.length = 0;
    this.loginBehavior = { mode: 'prompt' };
    this.igLoginBehavior = { mode: 'prompt' };
    this.igCodeExchangeShape = 'data';
    this.pagingLimit = 100;
    this.humanAgent = this.initial.humanAgent ?? false;
    this.echoes = this.initial.echoes ?? true;
    this.fetchAttachments = this.initial.fetchAttachments ?? false;
  }

  // ------------------------------------------------------------ seeding

  addUser(input: { id?: string; name?: string; scopes?: string[] } = {}): EmulatedUser {
    const user: EmulatedUser = {
      id: input.id ?? this.newId(16),
      name: input.name ?? 'Emulated Admin',
      grantedScopes: new Set(input.scopes ?? DEFAULT_SCOPES),
      declinedScopes: new Set(),
      pageIds: new Set(),
      appRemoved: false,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** A Page (optionally managed by `ownerUserId`) linked to a new IG account unless `instagram: false`. */
  addPage(
    input: {
      id?: string;
      name?: string;
      ownerUserId?: string;
      tasks?: string[];
      instagram?: false | { id?: string; username?: string; name?: string };
    } = {},
  ): { page: EmulatedPage; igAccount?: EmulatedInstagramAccount } {
    const page: EmulatedPage = {
      id: input.id ?? this.newId(15),
      name: input.name ?? 'Emulated Shop',
      tasks: input.tasks ?? [...DEFAULT_PAGE_TASKS],
    };
    this.pages.set(page.id, page);
    if (input.ownerUserId) {
      this.requireUser(input.ownerUserId).pageIds.add(page.id);
    }
    let igAccount: EmulatedInstagramAccount | undefined;
    if (input.instagram !== false) {
      const ig = input.instagram ?? {};
      const id = ig.id ?? `1784${this.newId(13)}`;
      igAccount = {
        id,
        username: ig.username ?? `shop_${id.slice(-5)}`,
        name: ig.name ?? page.name,
        profilePictureUrl: this.addMedia({ kind: 'image' }).url,
        pageId: page.id,
        appScopedId: this.newId(17),
      };
      this.igAccounts.set(id, igAccount);
      page.instagramAccountId = id;
    }
    return { page, igAccount };
  }

  addCustomer(
    input: { igAccountId: string; igsid?: string } & Partial<
      Omit<EmulatedCustomer, 'igsid' | 'igAccountId'>
    >,
  ): EmulatedCustomer {
    this.requireIgAccount(input.igAccountId);
    const igsid = input.igsid ?? this.newId(16);
    const customer: EmulatedCustomer = {
      igsid,
      igAccountId: input.igAccountId,
      name: input.name === undefined ? `Customer ${igsid.slice(-4)}` : input.name,
      username: input.username ?? `customer_${igsid.slice(-6)}`,
      profilePicUrl:
        input.profilePicUrl === undefined
          ? this.addMedia({ kind: 'image' }).url
          : input.profilePicUrl,
      isVerifiedUser: input.isVerifiedUser ?? false,
      followerCount: input.followerCount ?? 42,
      isUserFollowBusiness: input.isUserFollowBusiness ?? true,
      isBusinessFollowUser: input.isBusinessFollowUser ?? false,
      blocked: input.blocked ?? false,
      consent: input.consent ?? true,
    };
    this.customers.set(igsid, customer);
    return customer;
  }

  /** The customer, created (with consent) when a webhook says they wrote. */
  ensureCustomer(igAccountId: string, igsid: string): EmulatedCustomer {
    const existing = this.customers.get(igsid);
    if (existing) {
      return existing;
    }
    return this.addCustomer({ igAccountId, igsid });
  }

  /**
   * One call for the usual test world: an admin user (all scopes, long-lived token) managing a
   * Page linked to an IG account, the app subscribed, and one customer whose window is open.
   */
  seedBusiness(
    input: { subscribe?: boolean; scopes?: string[]; customer?: Partial<EmulatedCustomer> } = {},
  ): SeededBusiness {
    const user = this.addUser({ scopes: input.scopes });
    const { page, igAccount } = this.addPage({ ownerUserId: user.id });
    if (!igAccount) {
      throw new Error('unreachable: page without IG account');
    }
    const userToken = this.issueUserToken(user.id, { longLived: true });
    const pageToken = this.pageTokenFor(page.id, user.id);
    if (input.subscribe !== false) {
      this.subscriptions.set(page.id, ['messages']);
    }
    const customer = this.addCustomer({ igAccountId: igAccount.id, ...input.customer });
    this.setLastCustomerMessageAt(igAccount.id, customer.igsid, this.now());
    return { user, userToken, page, pageToken, igAccount, customer };
  }

  /** A professional Instagram account with no Facebook Page (reachable only through Instagram Login). */
  addInstagramAccount(
    input: { id?: string; username?: string; name?: string; scopes?: string[] } = {},
  ): EmulatedInstagramAccount {
    const id = input.id ?? `1784${this.newId(13)}`;
    const igAccount: EmulatedInstagramAccount = {
      id,
      username: input.username ?? `studio_${id.slice(-5)}`,
      name: input.name ?? 'Emulated Studio',
      profilePictureUrl: this.addMedia({ kind: 'image' }).url,
      pageId: '',
      appScopedId: this.newId(17),
    };
    this.igAccounts.set(id, igAccount);
    if (input.scopes) {
      this.igScopes.set(id, new Set(input.scopes));
    }
    return igAccount;
  }

  /**
   * The Instagram Login counterpart of seedBusiness: a Page-less professional account that
   * granted the Instagram app its permissions, a long-lived Instagram User token, the account
   * subscribed, and one customer whose window is open.
   */
  seedInstagramLoginBusiness(
    input: { subscribe?: boolean; igAccountId?: string; customer?: Partial<EmulatedCustomer> } = {},
  ): SeededInstagramLoginBusiness {
    const igAccount = input.igAccountId
      ? this.requireIgAccount(input.igAccountId)
      : this.addInstagramAccount();
    this.igScopes.set(igAccount.id, new Set(INSTAGRAM_LOGIN_SCOPES));
    const igToken = this.issueInstagramToken(igAccount.id, { longLived: true });
    if (input.subscribe !== false) {
      this.igSubscriptions.set(igAccount.id, ['messages']);
    }
    const customer = this.addCustomer({ igAccountId: igAccount.id, ...input.customer });
    this.setLastCustomerMessageAt(igAccount.id, customer.igsid, this.now());
    return { igAccount, igToken, customer };
  }

  /** An Instagram User token: 1 hour short-lived, 60 days long-lived (meta-instagram-api.md §5.2). */
  issueInstagramToken(
    igAccountId: string,
    options: { longLived?: boolean; expiresInSec?: number } = {},
  ): string {
    this.requireIgAccount(igAccountId);
    const now = this.now();
    const longLived = options.longLived ?? false;
    const expiresAt =
      now + (options.expiresInSec ?? (longLived ? LONG_LIVED_SECONDS : 3600)) * 1000;
    const token = `IGAA${longLived ? 'L' : 'S'}${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, {
      token,
      kind: 'instagram',
      userId: igAccountId,
      igAccountId,
      issuedAt: now,
      expiresAt,
      longLived,
    });
    return token;
  }

  /** Moves a token's clock (e.g. issued 2 days ago, so Meta lets it be refreshed). */
  setTokenTimes(token: string, times: { issuedAt?: number; expiresAt?: number | null }): void {
    const record = this.tokens.get(token);
    if (!record) {
      throw new Error('unknown token');
    }
    if (times.issuedAt !== undefined) {
      record.issuedAt = times.issuedAt;
    }
    if (times.expiresAt !== undefined) {
      record.expiresAt = times.expiresAt;
    }
  }

  /** Usable Instagram User tokens of an account, newest first. */
  instagramTokensOf(igAccountId: string): EmulatedToken[] {
    return [...this.tokens.values()]
      .filter((t) => t.kind === 'instagram' && t.igAccountId === igAccountId && this.isUsable(t))
      .sort((a, b) => b.issuedAt - a.issuedAt);
  }

  setInstagramLoginBehavior(behavior: Partial<InstagramLoginBehavior>): void {
    this.igLoginBehavior = { ...this.igLoginBehavior, ...behavior };
  }

  // ------------------------------------------------------------ tokens

  issueUserToken(
    userId: string,
    options: { longLived?: boolean; expiresInSec?: number | null } = {},
  ): string {
    this.requireUser(userId);
    const now = this.now();
    const longLived = options.longLived ?? false;
    const expiresAt =
      options.expiresInSec === null
        ? null
        : now +
          (options.expiresInSec ?? (longLived ? LONG_LIVED_SECONDS : SHORT_LIVED_MS / 1000)) * 1000;
    const token = `EAA${longLived ? 'L' : 'S'}${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { token, kind: 'user', userId, issuedAt: now, expiresAt, longLived });
    return token;
  }

  /**
   * The Page token a user gets from `/me/accounts`. Like Meta: from a long-lived user token it
   * never expires; from a short-lived one it expires with it.
   */
  pageTokenFor(pageId: string, userId: string, userToken?: EmulatedToken): string {
    this.requirePage(pageId);
    for (const t of this.tokens.values()) {
      if (t.kind === 'page' && t.pageId === pageId && t.userId === userId && this.isUsable(t)) {
        if (!userToken || userToken.longLived === (t.expiresAt === null)) {
          return t.token;
        }
      }
    }
    const token = `EAAP${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, {
      token,
      kind: 'page',
      userId,
      pageId,
      issuedAt: this.now(),
      expiresAt: userToken && !userToken.longLived ? userToken.expiresAt : null,
      longLived: true,
    });
    return token;
  }

  expireToken(token: string): void {
    const record = this.tokens.get(token);
    if (!record) {
      throw new Error('unknown token');
    }
    record.expiresAt = this.now() - 1000;
  }

  invalidateToken(token: string, why: NonNullable<EmulatedToken['invalidated']>): void {
    const record = this.tokens.get(token);
    if (!record) {
      throw new Error('unknown token');
    }
    record.invalidated = why;
  }

  /**
   * Every Page token of the Page is revoked on Facebook (the person who connected it logged out
   * of every session, lost their role, or changed their password): Graph answers 190 (with subcode
   * 467 for 'logged-out', 460 for 'password-changed') for each from now on. Returns how many died.
   */
  revokePageTokens(
    pageId: string,
    why: NonNullable<EmulatedToken['invalidated']> = 'logged-out',
  ): number {
    let count = 0;
    for (const t of this.tokens.values()) {
      if (t.kind === 'page' && t.pageId === pageId && this.isUsable(t)) {
        t.invalidated = why;
        count += 1;
      }
    }
    return count;
  }

  /** What `DELETE /{user}/permissions` and a deauthorize do: every token of the user dies. */
  removeApp(userId: string): void {
    const user = this.requireUser(userId);
    user.appRemoved = true;
    user.grantedScopes.clear();
    for (const t of this.tokens.values()) {
      if (t.userId === userId) {
        t.invalidated = 'app-removed';
      }
    }
  }

  isUsable(token: EmulatedToken): boolean {
    return !token.invalidated && (token.expiresAt === null || token.expiresAt > this.now());
  }

  // ------------------------------------------------------------ messaging window

  setLastCustomerMessageAt(igAccountId: string, igsid: string, at: Date | number): void {
    this.lastCustomerMessage.set(
      `${igAccountId}:${igsid}`,
      typeof at === 'number' ? at : at.getTime(),
    );
  }

  lastCustomerMessageAt(igAccountId: string, igsid: string): number | undefined {
    return this.lastCustomerMessage.get(`${igAccountId}:${igsid}`);
  }

  setHumanAgent(enabled: boolean): void {
    this.humanAgent = enabled;
  }

  /** Messages the business sent to one customer through the Send API, oldest first. */
  sentTo(igAccountId: string, igsid: string): SentMessage[] {
    return this.sentMessages.filter((m) => m.igAccountId === igAccountId && m.igsid === igsid);
  }

  // ------------------------------------------------------------ subscriptions

  subscriptionOf(pageId: string): string[] | undefined {
    return this.subscriptions.get(pageId);
  }

  /**
   * What Meta does after an hour of failed deliveries ("Webhooks Disabled"), or what anyone with
   * the Page token does with `DELETE /{page-id}/subscribed_apps`: the Page is no longer subscribed
   * to our app and no webhook is sent for it.
   */
  dropSubscription(pageId: string): void {
    this.subscriptions.delete(pageId);
  }

  /**
   * Our app's subscribed fields on the Page, as `POST /{page-id}/subscribed_apps` with these
   * `subscribed_fields` would leave them (a POST replaces the list). Webhooks still flow while the
   * Page is subscribed with any field (meta-instagram-api.md §5.1).
   */
  setSubscribedFields(pageId: string, fields: string[]): void {
    if (fields.length === 0) {
      throw new Error('Meta requires at least one subscribed field; use dropSubscription');
    }
    this.subscriptions.set(pageId, [...fields]);
  }

  /** Our app's fields on an Instagram Login account (`GET graph.instagram.com/me/subscribed_apps`). */
  instagramSubscriptionOf(igAccountId: string): string[] | undefined {
    return this.igSubscriptions.get(igAccountId);
  }

  /**
   * The Instagram Login counterpart of dropSubscription: Meta stopped delivering to the app after
   * an hour of failures, or someone with the account's token sent
   * `DELETE graph.instagram.com/{ig-user-id}/subscribed_apps`. No webhook is sent for the account
   * unless its Page is subscribed.
   */
  dropInstagramSubscription(igAccountId: string): void {
    this.igSubscriptions.delete(igAccountId);
  }

  /** Our app's fields on an Instagram Login account, as a POST with these fields leaves them. */
  setInstagramSubscribedFields(igAccountId: string, fields: string[]): void {
    if (fields.length === 0) {
      throw new Error('Meta requires at least one subscribed field; use dropInstagramSubscription');
    }
    this.igSubscriptions.set(igAccountId, [...fields]);
  }

  /**
   * What `DELETE /{user-id}/permissions/{permission}` does (or the user unticking it in Facebook's
   * settings): the user's tokens stay valid but no longer carry the permission (debug_token's
   * `scopes`, and every call needing it fails with code 10/200).
   */
  revokePermission(userId: string, permission: string): void {
    this.requireUser(userId).grantedScopes.delete(permission);
  }

  /** Subscribed through its Page (Facebook path) or itself (Instagram Login path). */
  isSubscribed(igAccountId: string): boolean {
    const ig = this.igAccounts.get(igAccountId);
    return (
      !!ig &&
      ((ig.pageId !== '' && this.subscriptions.has(ig.pageId)) ||
        this.igSubscriptions.has(igAccountId))
    );
  }

  /** Only Instagram Login holds its webhooks (they are then signed with the Instagram app secret). */
  isSubscribedOnlyThroughInstagramLogin(igAccountId: string): boolean {
    const ig = this.igAccounts.get(igAccountId);
    return (
      !!ig &&
      this.igSubscriptions.has(igAccountId) &&
      !(ig.pageId !== '' && this.subscriptions.has(ig.pageId))
    );
  }

  // ------------------------------------------------------------ login

  setLoginBehavior(behavior: Partial<LoginBehavior>): void {
    this.loginBehavior = { ...this.loginBehavior, ...behavior };
  }

  // ------------------------------------------------------------ media

  /** Hosts bytes at `GET /cdn/<id>` on the emulator. */
  addMedia(
    input: {
      kind?: 'image' | 'video' | 'audio' | 'file';
      bytes?: Buffer;
      contentType?: string;
    } = {},
  ): { id: string; url: string } {
    const sample = SAMPLE_BYTES[input.kind ?? 'image'];
    const id = randomBytes(9).toString('hex');
    this.media.set(id, {
      id,
      contentType: input.contentType ?? sample.contentType,
      bytes: input.bytes ?? sample.bytes,
      status: 200,
    });
    return { id, url: this.mediaUrl(id) };
  }

  /**
   * A URL that answers `302 Location: <location>`, as Meta's `lookaside.fbsbx.com` attachment
   * URLs redirect to the CDN host that holds the bytes.
   */
  addRedirect(location: string): { id: string; url: string } {
    const id = randomBytes(9).toString('hex');
    this.media.set(id, {
      id,
      contentType: 'text/html',
      bytes: Buffer.alloc(0),
      status: 302,
      redirectTo: location,
    });
    return { id, url: this.mediaUrl(id) };
  }

  mediaUrl(id: string): string {
    return `${this.baseUrl}/cdn/${id}`;
  }

  /** Makes a hosted URL (or id) answer 404 from now on, like an expired CDN link. */
  expireMedia(idOrUrl: string, status = 404): void {
    const id = idOrUrl.split('/').pop() ?? idOrUrl;
    const media = this.media.get(id);
    if (!media) {
      throw new Error('unknown media');
    }
    media.status = status;
  }

  // ------------------------------------------------------------ helpers

  requireUser(id: string): EmulatedUser {
    const user = this.users.get(id);
    if (!user) {
      throw new Error(`unknown emulated user ${id}`);
    }
    return user;
  }

  requirePage(id: string): EmulatedPage {
    const page = this.pages.get(id);
    if (!page) {
      throw new Error(`unknown emulated page ${id}`);
    }
    return page;
  }

  requireIgAccount(id: string): EmulatedInstagramAccount {
    const ig = this.igAccounts.get(id);
    if (!ig) {
      throw new Error(`unknown emulated Instagram account ${id}`);
    }
    return ig;
  }

  newId(length: number): string {
    for (;;) {
      const id = digits(length);
      if (
        !this.users.has(id) &&
        !this.pages.has(id) &&
        !this.igAccounts.has(id) &&
        !this.customers.has(id) &&
        ![...this.igAccounts.values()].some((ig) => ig.appScopedId === id)
      ) {
        return id;
      }
    }
  }

  newMid(igAccountId: string): string {
    const inner = `ig_message_item:1:IGMessageThread:${igAccountId}:${randomBytes(12).toString('hex')}`;
    return Buffer.from(inner).toString('base64url');
  }
}
