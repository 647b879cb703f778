import { randomBytes, randomUUID } from 'node:crypto';

export type AccountRole = 'owner' | 'administrator' | 'normal';
export type Visibility = 'all' | 'agents';

export interface EmulatorAccount {
  accountId: string;
  /** Agent ids in chats are e-mail addresses. */
  email: string;
  name: string;
  role: AccountRole;
  organizationId: string;
  /** Scopes granted to this app for this account. */
  scopes: string[];
}

/** A LiveChat group: routing target of chats. Group 0 ("General") always exists. */
export interface EmulatorGroup {
  id: number;
  name: string;
  languageCode: string;
}

/** A bot agent (Configuration API `create_bot`): its id is 32 hex characters, not an e-mail. */
export interface EmulatorBot {
  id: string;
  name: string;
}

export interface EmulatorOrganization {
  organizationId: string;
  licenseId: number;
  name: string;
  accounts: EmulatorAccount[];
  groups: EmulatorGroup[];
  bots: EmulatorBot[];
  groupsOnline: boolean;
  webhooksEnabled: boolean;
  licenseExpired: boolean;
}

export interface EmulatorAgentToken {
  token: string;
  kind: 'access' | 'refresh';
  accountId: string;
  organizationId: string;
  clientId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
  /** Access tokens: the refresh token they came from. */
  refreshToken?: string;
}

export interface EmulatorAuthCode {
  code: string;
  accountId: string;
  organizationId: string;
  clientId: string;
  redirectUri?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

export interface EmulatorCustomerToken {
  token: string;
  entityId: string;
  organizationId: string;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface EmulatorCustomer {
  id: string;
  organizationId: string;
  name?: string;
  email?: string;
  avatar?: string;
  sessionFields: Record<string, string>;
  createdAt: string;
  banned: boolean;
  /** Per chat: RFC 3339 `seen_up_to`. */
  eventsSeenUpTo: Record<string, string>;
}

export interface EmulatorEvent {
  id: string;
  customId?: string;
  type: string;
  /** Missing on system messages. */
  authorId?: string;
  text?: string;
  url?: string;
  name?: string;
  contentType?: string;
  size?: number;
  width?: number;
  height?: number;
  alternativeText?: string;
  systemMessageType?: string;
  visibility: Visibility;
  createdAt: string;
  deleted: boolean;
  properties?: Record<string, unknown>;
  /** Other type-specific fields (rich_message elements, custom content, ...), snake_case. */
  extra?: Record<string, unknown>;
}

export interface EmulatorThread {
  id: string;
  active: boolean;
  createdAt: string;
  events: EmulatorEvent[];
  properties: Record<string, unknown>;
  userIds: string[];
}

export interface EmulatorChat {
  id: string;
  organizationId: string;
  customerId: string;
  groupIds: number[];
  properties: Record<string, Record<string, unknown>>;
  threads: EmulatorThread[];
  agentIds: string[];
  createdAt: string;
}

export interface EmulatorFile {
  path: string;
  url: string;
  name: string;
  contentType: string;
  data: Buffer;
  organizationId: string;
  uploadedAt: number;
  used: boolean;
}

export interface CreateOrganizationOptions {
  scopes?: string[];
  licenseId?: number;
  name?: string;
  adminEmail?: string;
  adminRole?: AccountRole;
  /** Access token lifetime for the tokens returned here (default: emulator setting). */
  accessTokenTtlSeconds?: number;
  /** Groups besides General (0): ids, or ids with names. */
  groups?: Array<number | { id: number; name: string }>;
}

/** What a test needs to act as a freshly installed organization. */
export interface OrganizationHandle {
  organizationId: string;
  licenseId: number;
  accountId: string;
  /** Also the agent id the admin has in chats. */
  adminEmail: string;
  scopes: string[];
  /** Single-use authorization code (no PKCE, any redirect URI). */
  code: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface StateSettings {
  clientId: string;
  accessTokenTtlSeconds: number;
  customerTokenTtlSeconds: number;
  defaultScopes: string[];
  /** LiveChat silently revokes the oldest beyond this many tokens per client and account. */
  tokenLimit: number;
  codeTtlSeconds: number;
}

export const DEFAULT_SCOPES = [
  'customers:own',
  'webhooks.state:ro',
  'webhooks.state:rw',
  'chats--all:ro',
  'groups--all:ro',
];

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomId(length = 10): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) {
    out += ID_ALPHABET[byte % ID_ALPHABET.length];
  }
  return out;
}

function randomToken(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Everything the emulator knows. Tests read it for assertions and use the helpers to arrange
 * situations (expired tokens, banned customers, offline groups).
 */
export class LiveChatEmulatorState {
  readonly organizations = new Map<string, EmulatorOrganization>();
  readonly agentTokens = new Map<string, EmulatorAgentToken>();
  readonly authCodes = new Map<string, EmulatorAuthCode>();
  readonly customerTokens = new Map<string, EmulatorCustomerToken>();
  readonly customers = new Map<string, EmulatorCustomer>();
  readonly chatsById = new Map<string, EmulatorChat>();
  readonly files = new Map<string, EmulatorFile>();
  /** Account shown as signed in on the authorize page (default: the latest created). */
  signedInAccountId?: string;
  /** Successful `refresh_token` grants per organization (tests count refresh stampedes). */
  readonly refreshGrants = new Map<string, number>();
  private timeOffsetMs = 0;
  private nextLicenseId = 100_000_001;

  constructor(readonly settings: StateSettings) {}

  now(): number {
    return Date.now() + this.timeOffsetMs;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Moves the emulator clock forward (token expiry, 24 h file URLs, event timestamps). */
  advanceTime(ms: number): void {
    this.timeOffsetMs += ms;
  }

  // ---- organizations and accounts ----

  createOrganization(options: CreateOrganizationOptions = {}): OrganizationHandle {
    const licenseId = options.licenseId ?? this.nextLicenseId++;
    const organization: EmulatorOrganization = {
      organizationId: randomUUID(),
      licenseId,
      name: options.name ?? `Organization ${licenseId}`,
      accounts: [],
      groups: groupsOf(options.groups ?? []),
      bots: [],
      groupsOnline: true,
      webhooksEnabled: true,
      licenseExpired: false,
    };
    this.organizations.set(organization.organizationId, organization);
    const admin = this.addAccount(organization.organizationId, {
      email: options.adminEmail ?? `admin+${licenseId}@example.com`,
      role: options.adminRole ?? 'owner',
      scopes: options.scopes,
    });
    this.signedInAccountId = admin.accountId;
    const code = this.issueAuthorizationCode({ accountId: admin.accountId });
    const tokens = this.issueAgentTokens(admin.accountId, {
      ttlSeconds: options.accessTokenTtlSeconds,
    });
    return {
      organizationId: organization.organizationId,
      licenseId,
      accountId: admin.accountId,
      adminEmail: admin.email,
      scopes: [...admin.scopes],
      code,
      ...tokens,
    };
  }

  addAccount(
    organizationId: string,
    options: { email?: string; role?: AccountRole; scopes?: string[]; name?: string } = {},
  ): EmulatorAccount {
    const organization = this.requireOrganization(organizationId);
    const accountId = randomUUID();
    const email = options.email ?? `agent+${accountId.slice(0, 8)}@example.com`;
    const role = options.role ?? 'administrator';
    const requested = options.scopes ?? this.settings.defaultScopes;
    // Administrator-only scopes are not granted to normal agents (LiveChat: invalid_scope).
    const scopes =
      role === 'normal'
        ? requested.filter((s) => !s.startsWith('customers:own') && !s.startsWith('webhooks.'))
        : [...requested];
    const account: EmulatorAccount = {
      accountId,
      email,
      name: options.name ?? email.split('@')[0],
      role,
      organizationId,
      scopes,
    };
    organization.accounts.push(account);
    return account;
  }

  organization(organizationId: string): EmulatorOrganization | undefined {
    return this.organizations.get(organizationId);
  }

  requireOrganization(organizationId: string): EmulatorOrganization {
    const organization = this.organizations.get(organizationId);
    if (organization === undefined) {
      throw new Error(`unknown organization ${organizationId}`);
    }
    return organization;
  }

  organizationByLicense(licenseId: number): EmulatorOrganization | undefined {
    return [...this.organizations.values()].find((o) => o.licenseId === licenseId);
  }

  account(accountId: string): EmulatorAccount | undefined {
    for (const organization of this.organizations.values()) {
      const account = organization.accounts.find((a) => a.accountId === accountId);
      if (account !== undefined) {
        return account;
      }
    }
    return undefined;
  }

  signIn(accountId: string): void {
    if (this.account(accountId) === undefined) {
      throw new Error(`unknown account ${accountId}`);
    }
    this.signedInAccountId = accountId;
  }

  // ---- groups and bots (Configuration API) ----

  /** A new group with the next free id (LiveChat numbers them 1, 2, …). */
  createGroup(organizationId: string, name: string): EmulatorGroup {
    const organization = this.requireOrganization(organizationId);
    const id = Math.max(0, ...organization.groups.map((g) => g.id)) + 1;
    const group: EmulatorGroup = { id, name, languageCode: 'en' };
    organization.groups.push(group);
    return group;
  }

  /** Deletes a group, as an admin does in LiveChat; the General group (0) cannot be deleted. */
  deleteGroup(organizationId: string, id: number): boolean {
    const organization = this.requireOrganization(organizationId);
    const index = organization.groups.findIndex((g) => g.id === id);
    if (id === 0 || index < 0) {
      return false;
    }
    organization.groups.splice(index, 1);
    return true;
  }

  hasGroup(organizationId: string, id: number): boolean {
    return this.requireOrganization(organizationId).groups.some((g) => g.id === id);
  }

  /** A bot agent of the license (what `create_bot` makes): hex id, no e-mail, no login. */
  createBot(organizationId: string, name = 'ChatBot'): EmulatorBot {
    const bot: EmulatorBot = { id: randomBytes(16).toString('hex'), name };
    this.requireOrganization(organizationId).bots.push(bot);
    return bot;
  }

  bot(botId: string): EmulatorBot | undefined {
    for (const organization of this.organizations.values()) {
      const bot = organization.bots.find((b) => b.id === botId);
      if (bot !== undefined) {
        return bot;
      }
    }
    return undefined;
  }

  setGroupsOnline(organizationId: string, online: boolean): void {
    this.requireOrganization(organizationId).groupsOnline = online;
  }

  setLicenseExpired(organizationId: string, expired: boolean): void {
    this.requireOrganization(organizationId).licenseExpired = expired;
  }

  setWebhooksEnabled(organizationId: string, enabled: boolean): void {
    this.requireOrganization(organizationId).webhooksEnabled = enabled;
  }

  // ---- agent OAuth ----

  issueAuthorizationCode(options: {
    accountId: string;
    redirectUri?: string;
    codeChallenge?: string;
    codeChallengeMethod?: 'S256' | 'plain';
  }): string {
    const account = this.account(options.accountId);
    if (account === undefined) {
      throw new Error(`unknown account ${options.accountId}`);
    }
    const code = `${randomToken()}`;
    this.authCodes.set(code, {
      code,
      accountId: account.accountId,
      organizationId: account.organizationId,
      clientId: this.settings.clientId,
      redirectUri: options.redirectUri,
      codeChallenge: options.codeChallenge,
      codeChallengeMethod: options.codeChallengeMethod,
      scopes: [...account.scopes],
      expiresAt: this.now() + this.settings.codeTtlSeconds * 1000,
      used: false,
    });
    return code;
  }

  /**
   * A new access token, plus a new refresh token unless one is given (they never rotate).
   * `clientId`: the app the token is issued to (default: the emulated app); another app's token
   * is what an admin signed in to a different LiveChat app holds (`/v2/info` names that app).
   */
  issueAgentTokens(
    accountId: string,
    options: { ttlSeconds?: number; refreshToken?: string; clientId?: string } = {},
  ): { accessToken: string; refreshToken: string; expiresIn: number } {
    const clientId = options.clientId ?? this.settings.clientId;
    const account = this.account(accountId);
    if (account === undefined) {
      throw new Error(`unknown account ${accountId}`);
    }
    const ttl = options.ttlSeconds ?? this.settings.accessTokenTtlSeconds;
    const now = this.now();
    let refreshToken = options.refreshToken;
    if (refreshToken === undefined) {
      refreshToken = randomToken();
      this.agentTokens.set(refreshToken, {
        token: refreshToken,
        kind: 'refresh',
        accountId,
        organizationId: account.organizationId,
        clientId,
        scopes: [...account.scopes],
        issuedAt: now,
        expiresAt: Number.POSITIVE_INFINITY,
        revoked: false,
      });
      this.enforceTokenLimit(accountId, 'refresh');
    }
    const accessToken = `dal:${randomToken()}`;
    this.agentTokens.set(accessToken, {
      token: accessToken,
      kind: 'access',
      accountId,
      organizationId: account.organizationId,
      clientId,
      scopes: [...account.scopes],
      issuedAt: now,
      expiresAt: now + ttl * 1000,
      revoked: false,
      refreshToken,
    });
    this.enforceTokenLimit(accountId, 'access');
    return { accessToken, refreshToken, expiresIn: ttl };
  }

  /** Valid (known, unrevoked, unexpired) agent token of the given kind. */
  validAgentToken(
    token: string | undefined,
    kind: 'access' | 'refresh',
  ): EmulatorAgentToken | undefined {
    if (token === undefined) {
      return undefined;
    }
    const found = this.agentTokens.get(token);
    if (found === undefined || found.kind !== kind || found.revoked) {
      return undefined;
    }
    return found.expiresAt > this.now() ? found : undefined;
  }

  /** Live access tokens of an account (what counts against LiveChat's limit of 25). */
  liveAgentTokens(accountId: string, kind: 'access' | 'refresh' = 'access'): EmulatorAgentToken[] {
    const now = this.now();
    return [...this.agentTokens.values()].filter(
      (t) => t.accountId === accountId && t.kind === kind && !t.revoked && t.expiresAt > now,
    );
  }

  /** Oldest first by issue order (Map keeps insertion order; timestamps can tie). */
  private enforceTokenLimit(accountId: string, kind: 'access' | 'refresh'): void {
    const live = this.liveAgentTokens(accountId, kind);
    for (let i = 0; i < live.length - this.settings.tokenLimit; i++) {
      live[i].revoked = true;
    }
  }

  // ---- customer identities and tokens ----

  createCustomer(organizationId: string): EmulatorCustomer {
    this.requireOrganization(organizationId);
    const customer: EmulatorCustomer = {
      id: randomUUID(),
      organizationId,
      sessionFields: {},
      createdAt: this.nowIso(),
      banned: false,
      eventsSeenUpTo: {},
    };
    this.customers.set(customer.id, customer);
    return customer;
  }

  issueCustomerToken(
    entityId: string,
    ttlSeconds?: number,
  ): { accessToken: string; expiresIn: number } {
    const customer = this.customers.get(entityId);
    if (customer === undefined) {
      throw new Error(`unknown customer ${entityId}`);
    }
    const ttl = ttlSeconds ?? this.settings.customerTokenTtlSeconds;
    const token = `dal:${randomToken()}`;
    this.customerTokens.set(token, {
      token,
      entityId,
      organizationId: customer.organizationId,
      clientId: this.settings.clientId,
      issuedAt: this.now(),
      expiresAt: this.now() + ttl * 1000,
      revoked: false,
    });
    return { accessToken: token, expiresIn: ttl };
  }

  validCustomerToken(token: string | undefined): EmulatorCustomerToken | undefined {
    if (token === undefined) {
      return undefined;
    }
    const found = this.customerTokens.get(token);
    if (found === undefined || found.revoked || found.expiresAt <= this.now()) {
      return undefined;
    }
    return found;
  }

  customer(entityId: string): EmulatorCustomer | undefined {
    return this.customers.get(entityId);
  }

  customersOf(organizationId: string): EmulatorCustomer[] {
    return [...this.customers.values()].filter((c) => c.organizationId === organizationId);
  }

  banCustomer(entityId: string, banned = true): void {
    const customer = this.customers.get(entityId);
    if (customer === undefined) {
      throw new Error(`unknown customer ${entityId}`);
    }
    customer.banned = banned;
  }

  /** Customer identity purged (retention): re-minting with its entity_id fails. */
  purgeCustomer(entityId: string): void {
    this.customers.delete(entityId);
    for (const token of this.customerTokens.values()) {
      if (token.entityId === entityId) {
        token.revoked = true;
      }
    }
  }

  // ---- token control for tests ----

  /** Expires any kind of token (agent access/refresh, customer). Returns false if unknown. */
  expireToken(token: string): boolean {
    const past = this.now() - 1000;
    const agent = this.agentTokens.get(token);
    if (agent !== undefined) {
      agent.expiresAt = past;
      return true;
    }
    const customer = this.customerTokens.get(token);
    if (customer !== undefined) {
      customer.expiresAt = past;
      return true;
    }
    return false;
  }

  expireAgentTokens(organizationId: string): void {
    for (const t of this.agentTokens.values()) {
      if (t.organizationId === organizationId && t.kind === 'access') {
        t.expiresAt = this.now() - 1000;
      }
    }
  }

  expireCustomerTokens(organizationId?: string): void {
    for (const t of this.customerTokens.values()) {
      if (organizationId === undefined || t.organizationId === organizationId) {
        t.expiresAt = this.now() - 1000;
      }
    }
  }

  /**
   * Revokes a token as `DELETE /v2/token` does: an access token takes its refresh token along, and
   * a refresh token takes every access token minted from it.
   */
  revokeToken(token: string): boolean {
    const agent = this.agentTokens.get(token);
    if (agent !== undefined) {
      const refresh = agent.kind === 'refresh' ? agent.token : agent.refreshToken;
      agent.revoked = true;
      if (refresh !== undefined) {
        for (const t of this.agentTokens.values()) {
          if (t.token === refresh || t.refreshToken === refresh) {
            t.revoked = true;
          }
        }
      }
      return true;
    }
    const customer = this.customerTokens.get(token);
    if (customer !== undefined) {
      customer.revoked = true;
      return true;
    }
    return false;
  }

  /**
   * Invalidates every access token of the license, agent and customer, while their stated expiry
   * is still far away and refresh tokens keep working: what LiveChat does when an admin logs out
   * every session, or when it silently drops the oldest of 25 tokens.
   */
  invalidateAccessTokens(organizationId: string): number {
    let count = 0;
    for (const t of this.agentTokens.values()) {
      if (t.organizationId === organizationId && t.kind === 'access' && !t.revoked) {
        t.revoked = true;
        count += 1;
      }
    }
    for (const t of this.customerTokens.values()) {
      if (t.organizationId === organizationId && !t.revoked) {
        t.revoked = true;
        count += 1;
      }
    }
    return count;
  }

  /** Revokes the license's refresh tokens (and so every access token minted from them). */
  revokeRefreshTokens(organizationId: string): number {
    const refresh = [...this.agentTokens.values()].filter(
      (t) => t.organizationId === organizationId && t.kind === 'refresh' && !t.revoked,
    );
    refresh.forEach((t) => this.revokeToken(t.token));
    return refresh.length;
  }

  recordRefreshGrant(organizationId: string): void {
    this.refreshGrants.set(organizationId, (this.refreshGrants.get(organizationId) ?? 0) + 1);
  }

  /** Revokes every token of an organization (what an uninstall might do; UNCONFIRMED upstream). */
  revokeOrganizationTokens(organizationId: string): void {
    for (const t of this.agentTokens.values()) {
      if (t.organizationId === organizationId) {
        t.revoked = true;
      }
    }
    for (const t of this.customerTokens.values()) {
      if (t.organizationId === organizationId) {
        t.revoked = true;
      }
    }
  }

  // ---- chats ----

  chats(organizationId?: string): EmulatorChat[] {
    return [...this.chatsById.values()].filter(
      (c) => organizationId === undefined || c.organizationId === organizationId,
    );
  }

  chat(chatId: string): EmulatorChat | undefined {
    return this.chatsById.get(chatId);
  }

  requireChat(chatId: string): EmulatorChat {
    const chat = this.chatsById.get(chatId);
    if (chat === undefined) {
      throw new Error(`unknown chat ${chatId}`);
    }
    return chat;
  }

  chatsOfCustomer(customerId: string): EmulatorChat[] {
    return this.chats().filter((c) => c.customerId === customerId);
  }

  activeChatOf(customerId: string): EmulatorChat | undefined {
    return this.chatsOfCustomer(customerId).find((c) => isChatActive(c));
  }

  /** Every event of a chat across threads, oldest first (deleted ones only when asked). */
  events(chatId: string, options: { includeDeleted?: boolean } = {}): EmulatorEvent[] {
    const chat = this.requireChat(chatId);
    return chat.threads
      .flatMap((t) => t.events)
      .filter((e) => options.includeDeleted === true || !e.deleted);
  }

  findEvent(
    chatId: string,
    eventId: string,
  ): { thread: EmulatorThread; event: EmulatorEvent } | undefined {
    const chat = this.chatsById.get(chatId);
    for (const thread of chat?.threads ?? []) {
      const event = thread.events.find((e) => e.id === eventId);
      if (event !== undefined) {
        return { thread, event };
      }
    }
    return undefined;
  }

  createChat(options: {
    organizationId: string;
    customerId: string;
    groupIds: number[];
    properties?: Record<string, Record<string, unknown>>;
    /** The app whose customer token started the chat (default: ours; the chat widget's for website chats). */
    sourceClientId?: string;
  }): EmulatorChat {
    let id = randomId();
    while (this.chatsById.has(id)) {
      id = randomId();
    }
    const chat: EmulatorChat = {
      id,
      organizationId: options.organizationId,
      customerId: options.customerId,
      groupIds: options.groupIds,
      // LiveChat stamps the source client on chats started with our customer tokens.
      properties: {
        source: {
          client_id: options.sourceClientId ?? this.settings.clientId,
          customer_client_id: options.sourceClientId ?? this.settings.clientId,
        },
        routing: { continuous: true },
        ...(options.properties ?? {}),
      },
      threads: [],
      agentIds: [],
      createdAt: this.nowIso(),
    };
    this.chatsById.set(id, chat);
    return chat;
  }

  openThread(
    chat: EmulatorChat,
    options: { active: boolean; properties?: Record<string, unknown> },
  ): EmulatorThread {
    for (const thread of chat.threads) {
      thread.active = false;
    }
    const thread: EmulatorThread = {
      id: randomId(),
      active: options.active,
      createdAt: this.nowIso(),
      events: [],
      properties: options.properties ?? {},
      userIds: [chat.customerId, ...chat.agentIds],
    };
    chat.threads.push(thread);
    return thread;
  }

  addEvent(
    thread: EmulatorThread,
    event: Omit<EmulatorEvent, 'id' | 'createdAt' | 'deleted'>,
  ): EmulatorEvent {
    const full: EmulatorEvent = {
      ...event,
      id: `${thread.id}_${thread.events.length + 1}`,
      createdAt: this.nowIso(),
      deleted: false,
    };
    thread.events.push(full);
    return full;
  }

  addFile(file: EmulatorFile): void {
    this.files.set(file.path, file);
  }

  fileByUrl(url: string): EmulatorFile | undefined {
    return [...this.files.values()].find((f) => f.url === url);
  }
}

function groupsOf(extra: Array<number | { id: number; name: string }>): EmulatorGroup[] {
  const groups: EmulatorGroup[] = [{ id: 0, name: 'General', languageCode: 'en' }];
  for (const entry of extra) {
    const group =
      typeof entry === 'number'
        ? { id: entry, name: `Group ${entry}`, languageCode: 'en' }
        : { ...entry, languageCode: 'en' };
    if (!groups.some((g) => g.id === group.id)) {
      groups.push(group);
    }
  }
  return groups;
}

export function isChatActive(chat: EmulatorChat): boolean {
  return chat.threads.length > 0 && chat.threads[chat.threads.length - 1].active;
}

export function lastThread(chat: EmulatorChat): EmulatorThread | undefined {
  return chat.threads[chat.threads.length - 1];
}
