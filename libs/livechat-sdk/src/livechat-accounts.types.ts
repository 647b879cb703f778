/** Agent (installer) tokens from `POST /v2/token`. */
export interface AgentTokenSet {
  accessToken: string;
  /** Server-side apps: refresh tokens do not rotate, so this usually equals the one sent. */
  refreshToken: string;
  expiresIn: number;
  /** Computed locally from `expiresIn` when the response arrived. */
  expiresAt: Date;
  accountId: string;
  organizationId: string;
  /** Raw comma-separated scope string as LiveChat sent it. */
  scope: string;
  scopes: string[];
  tokenType: string;
}

/** `GET /v2/info`. */
export interface AgentTokenInfo {
  accountId: string;
  clientId?: string;
  organizationId: string;
  expiresIn: number;
  scope: string;
  scopes: string[];
  tokenType: string;
}

/** Customer tokens from `POST /v2/customer/token` (agent_token grant). */
export interface CustomerTokenSet {
  accessToken: string;
  /** The LiveChat customer id: author_id of the customer's events. */
  entityId: string;
  expiresIn: number;
  expiresAt: Date;
  organizationId: string;
  clientId?: string;
}

/** `GET /v2/customer/info`. */
export interface CustomerTokenInfo {
  entityId: string;
  clientId?: string;
  expiresIn: number;
  organizationId: string;
}

export interface ExchangeCodeParams {
  code: string;
  redirectUri: string;
  /** Only when our own authorize request sent a PKCE challenge. */
  codeVerifier?: string;
}

export interface AuthorizeUrlParams {
  redirectUri: string;
  state: string;
  /** S256 challenge from {@link createPkcePair}. */
  codeChallenge?: string;
  /** `consent` forces the consent screen. */
  prompt?: string;
  /** Default `code` (server-side flow). */
  responseType?: 'code' | 'token';
}

export interface PkcePair {
  verifier: string;
  challenge: string;
  method: 'S256';
}
