import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AgentTokenInfo,
  AgentTokenSet,
  AuthorizeUrlParams,
  CustomerTokenInfo,
  CustomerTokenSet,
  ExchangeCodeParams,
} from './livechat-accounts.types';
import {
  LIVECHAT_CLIENT_OPTIONS,
  LiveChatClientOptions,
  ResolvedLiveChatOptions,
  resolveLiveChatOptions,
} from './livechat-options.types';
import {
  JsonRecord,
  optNumber,
  optString,
  requireRecord,
  requireString,
} from './livechat-parse.util';
import { LiveChatTransport } from './livechat-transport.util';

const DEFAULT_TTL_SECONDS = 28_800;

/**
 * LiveChat Accounts API (agent OAuth and customer tokens). Tokens are passed per call and never
 * kept on the instance, so one client serves every installation.
 */
@Injectable()
export class LiveChatAccountsClient {
  private readonly logger = new Logger(LiveChatAccountsClient.name);
  private readonly options: ResolvedLiveChatOptions;
  private readonly transport: LiveChatTransport;

  constructor(@Inject(LIVECHAT_CLIENT_OPTIONS) options: LiveChatClientOptions) {
    this.options = resolveLiveChatOptions(options);
    this.transport = new LiveChatTransport(this.options, this.logger);
  }

  /** The browser redirect that starts the OAuth code flow (not needed for Marketplace installs). */
  buildAuthorizeUrl(params: AuthorizeUrlParams): string {
    const query = new URLSearchParams({
      response_type: params.responseType ?? 'code',
      client_id: this.options.clientId,
      redirect_uri: params.redirectUri,
      state: params.state,
    });
    if (params.codeChallenge !== undefined) {
      query.set('code_challenge', params.codeChallenge);
      // The doc table writes `s256`; the Accounts SDK sends `S256` (the RFC 7636 spelling).
      query.set('code_challenge_method', 'S256');
    }
    if (params.prompt !== undefined) {
      query.set('prompt', params.prompt);
    }
    return `${this.options.accountsUrl}/?${query.toString()}`;
  }

  async exchangeCode(params: ExchangeCodeParams): Promise<AgentTokenSet> {
    const { body } = await this.transport.request({
      method: 'exchange_code',
      httpMethod: 'POST',
      url: `${this.options.accountsUrl}/v2/token`,
      form: {
        grant_type: 'authorization_code',
        code: params.code,
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        redirect_uri: params.redirectUri,
        code_verifier: params.codeVerifier,
      },
    });
    return toAgentTokenSet(requireRecord(body, 'exchange_code'), 'exchange_code');
  }

  /** Wrap calls in a {@link SingleFlight} per installation: parallel refreshes burn token slots. */
  async refresh(refreshToken: string): Promise<AgentTokenSet> {
    const { body } = await this.transport.request({
      method: 'refresh_token',
      httpMethod: 'POST',
      url: `${this.options.accountsUrl}/v2/token`,
      form: {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
      },
    });
    return toAgentTokenSet(requireRecord(body, 'refresh_token'), 'refresh_token', refreshToken);
  }

  async info(accessToken: string): Promise<AgentTokenInfo> {
    const { body } = await this.transport.request({
      method: 'token_info',
      httpMethod: 'GET',
      url: `${this.options.accountsUrl}/v2/info`,
      bearer: accessToken,
      // The spec documents 422 "invalid request" for /info; with no other input, that means the
      // token is not valid (UNCONFIRMED), which callers must see as an auth failure.
      classify: (status) => (status === 422 ? 'auth' : undefined),
    });
    const record = requireRecord(body, 'token_info');
    const scope = optString(record, 'scope') ?? '';
    return {
      accountId: requireString(record, 'account_id', 'token_info'),
      clientId: optString(record, 'client_id'),
      organizationId: requireString(record, 'organization_id', 'token_info'),
      expiresIn: optNumber(record, 'expires_in') ?? 0,
      scope,
      scopes: splitScopes(scope),
      tokenType: optString(record, 'token_type') ?? 'Bearer',
    };
  }

  /**
   * Revokes an access or refresh token (an access token takes its paired refresh token with it).
   * Resolves `false` when LiveChat no longer knows the token (404), which is the goal anyway.
   */
  async revoke(token: string): Promise<boolean> {
    const { status } = await this.transport.request({
      method: 'revoke_token',
      httpMethod: 'DELETE',
      url: `${this.options.accountsUrl}/v2/token`,
      bearer: token,
      acceptStatuses: [404],
    });
    return status !== 404;
  }

  /** Agent token grant without `entity_id`: creates a new customer identity. */
  async createCustomer(
    agentAccessToken: string,
    options: { expiresIn?: number } = {},
  ): Promise<CustomerTokenSet> {
    return this.customerTokenGrant(
      'create_customer',
      agentAccessToken,
      undefined,
      options.expiresIn,
    );
  }

  /** Agent token grant for an existing customer. */
  async customerToken(
    agentAccessToken: string,
    entityId: string,
    options: { expiresIn?: number } = {},
  ): Promise<CustomerTokenSet> {
    return this.customerTokenGrant('customer_token', agentAccessToken, entityId, options.expiresIn);
  }

  /** Resolves `false` when the token was already unknown (404). */
  async revokeCustomerToken(customerToken: string): Promise<boolean> {
    const { status } = await this.transport.request({
      method: 'revoke_customer_token',
      httpMethod: 'DELETE',
      url: `${this.options.accountsUrl}/v2/customer/token`,
      bearer: customerToken,
      acceptStatuses: [404],
    });
    return status !== 404;
  }

  async customerInfo(customerToken: string): Promise<CustomerTokenInfo> {
    const { body } = await this.transport.request({
      method: 'customer_info',
      httpMethod: 'GET',
      url: `${this.options.accountsUrl}/v2/customer/info`,
      bearer: customerToken,
    });
    const record = requireRecord(body, 'customer_info');
    return {
      entityId: requireString(record, 'entity_id', 'customer_info'),
      clientId: optString(record, 'client_id'),
      expiresIn: optNumber(record, 'expires_in') ?? 0,
      organizationId: requireString(record, 'organization_id', 'customer_info'),
    };
  }

  private async customerTokenGrant(
    method: string,
    agentAccessToken: string,
    entityId: string | undefined,
    expiresIn: number | undefined,
  ): Promise<CustomerTokenSet> {
    const { body } = await this.transport.request({
      method,
      httpMethod: 'POST',
      url: `${this.options.accountsUrl}/v2/customer/token`,
      bearer: agentAccessToken,
      json: {
        grant_type: 'agent_token',
        client_id: this.options.clientId,
        response_type: 'token',
        ...(entityId !== undefined ? { entity_id: entityId } : {}),
        ...(expiresIn !== undefined ? { expires_in: expiresIn } : {}),
      },
    });
    const record = requireRecord(body, method);
    const ttl = optNumber(record, 'expires_in') ?? DEFAULT_TTL_SECONDS;
    return {
      accessToken: requireString(record, 'access_token', method),
      entityId: requireString(record, 'entity_id', method),
      expiresIn: ttl,
      expiresAt: new Date(Date.now() + ttl * 1000),
      organizationId: requireString(record, 'organization_id', method),
      clientId: optString(record, 'client_id'),
    };
  }
}

function splitScopes(scope: string): string[] {
  return scope
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function toAgentTokenSet(
  record: JsonRecord,
  method: string,
  sentRefreshToken?: string,
): AgentTokenSet {
  const ttl = optNumber(record, 'expires_in') ?? DEFAULT_TTL_SECONDS;
  const scope = optString(record, 'scope') ?? '';
  const refreshToken = optString(record, 'refresh_token') ?? sentRefreshToken;
  return {
    accessToken: requireString(record, 'access_token', method),
    refreshToken: refreshToken ?? requireString(record, 'refresh_token', method),
    expiresIn: ttl,
    expiresAt: new Date(Date.now() + ttl * 1000),
    accountId: requireString(record, 'account_id', method),
    organizationId: requireString(record, 'organization_id', method),
    scope,
    scopes: splitScopes(scope),
    tokenType: optString(record, 'token_type') ?? 'Bearer',
  };
}
