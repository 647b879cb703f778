import { createHash } from 'node:crypto';
import { EmulatorAccount } from './emulator-state';
import { EmulatorCore, RouteContext, RouteResult } from './emulator-core';
import { escapeHtml, htmlDocument, JsonObject } from '../shared/http-toolkit';
import { accountsError, customerAccountsError, EmulatorHttpError } from './livechat-errors';

/** Accounts host: the authorize page, agent OAuth tokens and customer tokens. */
export function accountsRoute(method: string, path: string): string | undefined {
  if (method === 'GET' && path === '/') {
    return 'authorize';
  }
  if (method === 'GET' && path === '/authorize/approve') {
    return 'authorize_approve';
  }
  if (method === 'GET' && path === '/authorize/deny') {
    return 'authorize_deny';
  }
  if (method === 'GET' && path === '/ooops') {
    return 'ooops';
  }
  if (method === 'POST' && path === '/v2/token') {
    return 'token';
  }
  if (method === 'DELETE' && path === '/v2/token') {
    return 'revoke_token';
  }
  if (method === 'GET' && path === '/v2/info') {
    return 'info';
  }
  if (method === 'POST' && path === '/v2/customer/token') {
    return 'customer_token';
  }
  if (method === 'DELETE' && path === '/v2/customer/token') {
    return 'revoke_customer_token';
  }
  if (method === 'GET' && path === '/v2/customer/info') {
    return 'customer_info';
  }
  return undefined;
}

export function handleAccounts(core: EmulatorCore, route: string, ctx: RouteContext): RouteResult {
  switch (route) {
    case 'authorize':
      return authorize(core, ctx);
    case 'authorize_approve':
      return approve(core, ctx);
    case 'authorize_deny':
      return deny(ctx);
    case 'ooops':
      return {
        status: 400,
        html: htmlDocument(
          'Error',
          `<p id="error">${escapeHtml(ctx.query.get('oauth_exception') ?? 'error')}</p>`,
        ),
      };
    case 'token':
      return token(core, ctx);
    case 'revoke_token':
      return revokeToken(core, ctx);
    case 'info':
      return info(core, ctx);
    case 'customer_token':
      return customerToken(core, ctx);
    case 'revoke_customer_token':
      return revokeCustomerToken(core, ctx);
    case 'customer_info':
      return customerInfo(core, ctx);
    default:
      throw accountsError(404, 'resource_not_found', 'Not found');
  }
}

// ---- browser flow ----

function oops(ctx: RouteContext, exception: string): RouteResult {
  return {
    status: 302,
    redirect: `${ctx.baseUrl}/ooops?oauth_exception=${encodeURIComponent(exception)}`,
  };
}

/** LiveChat's rule: scheme+host+port equal, configured path a prefix, no traversal. */
export function redirectAllowed(allowed: string[], candidate: string): boolean {
  if (allowed.length === 0) {
    return true;
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (candidate.includes('/../') || candidate.endsWith('/..')) {
    return false;
  }
  return allowed.some((entry) => {
    const base = new URL(entry);
    return (
      base.protocol === url.protocol &&
      base.host === url.host &&
      url.pathname.startsWith(base.pathname)
    );
  });
}

interface AuthorizeRequest {
  responseType: string;
  redirectUri: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
}

function readAuthorizeRequest(
  core: EmulatorCore,
  ctx: RouteContext,
): AuthorizeRequest | RouteResult {
  const q = ctx.query;
  const responseType = q.get('response_type') ?? '';
  const redirectUri = q.get('redirect_uri') ?? '';
  if (q.get('client_id') !== core.settings.clientId) {
    return oops(ctx, 'invalid_client');
  }
  if (redirectUri === '' || !redirectAllowed(core.settings.redirectUris, redirectUri)) {
    return oops(ctx, 'invalid_request');
  }
  if (responseType !== 'code' && responseType !== 'token') {
    return oops(ctx, 'unsupported_response_type');
  }
  const challenge = q.get('code_challenge') ?? undefined;
  const rawMethod = (q.get('code_challenge_method') ?? 'plain').toLowerCase();
  if (challenge !== undefined && (challenge.length < 43 || challenge.length > 128)) {
    return oops(ctx, 'invalid_request');
  }
  if (rawMethod !== 's256' && rawMethod !== 'plain') {
    return oops(ctx, 'invalid_request');
  }
  return {
    responseType,
    redirectUri,
    state: q.get('state') ?? undefined,
    codeChallenge: challenge,
    codeChallengeMethod:
      challenge === undefined ? undefined : rawMethod === 's256' ? 'S256' : 'plain',
  };
}

function signedInAccount(core: EmulatorCore, ctx: RouteContext): EmulatorAccount {
  const requested = ctx.query.get('account_id');
  if (requested !== null) {
    const account = core.state.account(requested);
    if (account !== undefined) {
      return account;
    }
  }
  const current = core.state.signedInAccountId;
  const account = current !== undefined ? core.state.account(current) : undefined;
  if (account !== undefined) {
    return account;
  }
  // Nobody signed up yet: behave like a brand-new LiveChat trial.
  const created = core.state.createOrganization();
  const fresh = core.state.account(created.accountId);
  if (fresh === undefined) {
    throw new Error('organization creation failed');
  }
  return fresh;
}

function authorize(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const request = readAuthorizeRequest(core, ctx);
  if ('status' in request) {
    return request;
  }
  const account = signedInAccount(core, ctx);
  const auto = ctx.query.get('auto');
  if (core.settings.autoApprove || auto === '1' || auto === 'true') {
    return complete(core, request, account);
  }
  const approveQuery = new URLSearchParams(ctx.query);
  approveQuery.set('account_id', account.accountId);
  approveQuery.delete('auto');
  const approveUrl = `/authorize/approve?${approveQuery.toString()}`;
  const denyUrl = `/authorize/deny?${approveQuery.toString()}`;
  return {
    status: 200,
    html: htmlDocument(
      'Authorize app',
      `<h1>Allow this app to access your LiveChat account?</h1>
<p>Signed in as <span id="account-email">${escapeHtml(account.email)}</span></p>
<p>Scopes: <span id="scopes">${escapeHtml(account.scopes.join(','))}</span></p>
<p><a id="allow" href="${escapeHtml(approveUrl)}">Allow</a>
<button id="allow-button" type="button" onclick="location.href=this.dataset.href" data-href="${escapeHtml(approveUrl)}">Allow</button>
<a id="deny" href="${escapeHtml(denyUrl)}">Deny</a></p>`,
    ),
  };
}

function approve(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const request = readAuthorizeRequest(core, ctx);
  if ('status' in request) {
    return request;
  }
  return complete(core, request, signedInAccount(core, ctx));
}

function complete(
  core: EmulatorCore,
  request: AuthorizeRequest,
  account: EmulatorAccount,
): RouteResult {
  if (request.responseType === 'token') {
    const tokens = core.state.issueAgentTokens(account.accountId);
    const fragment = new URLSearchParams({
      access_token: tokens.accessToken,
      expires_in: String(tokens.expiresIn),
      token_type: 'Bearer',
      organization_id: account.organizationId,
    });
    if (request.state !== undefined) {
      fragment.set('state', request.state);
    }
    return { status: 302, redirect: `${request.redirectUri}#${fragment.toString()}` };
  }
  const code = core.state.issueAuthorizationCode({
    accountId: account.accountId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
  });
  const params = new URLSearchParams({ code });
  if (request.state !== undefined) {
    params.set('state', request.state);
  }
  const separator = request.redirectUri.includes('?') ? '&' : '?';
  return { status: 302, redirect: `${request.redirectUri}${separator}${params.toString()}` };
}

function deny(ctx: RouteContext): RouteResult {
  const redirectUri = ctx.query.get('redirect_uri') ?? '';
  const params = new URLSearchParams({ error: 'access_denied' });
  const state = ctx.query.get('state');
  if (state !== null) {
    params.set('state', state);
  }
  const separator = redirectUri.includes('?') ? '&' : '?';
  return { status: 302, redirect: `${redirectUri}${separator}${params.toString()}` };
}

// ---- agent tokens ----

/** `/v2/token` accepts form, JSON and query parameters (as the real one appears to). */
function tokenParams(ctx: RouteContext): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(ctx.query);
  for (const [key, value] of Object.entries(ctx.body)) {
    if (typeof value === 'string') {
      out[key] = value;
    } else if (typeof value === 'number') {
      out[key] = String(value);
    }
  }
  return out;
}

function tokenResponse(
  core: EmulatorCore,
  accountId: string,
  tokens: { accessToken: string; refreshToken: string; expiresIn: number },
): JsonObject {
  const account = core.state.account(accountId);
  return {
    access_token: tokens.accessToken,
    account_id: accountId,
    expires_in: tokens.expiresIn,
    organization_id: account?.organizationId,
    refresh_token: tokens.refreshToken,
    scope: (account?.scopes ?? []).join(','),
    token_type: 'Bearer',
  };
}

function token(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const p = tokenParams(ctx);
  const grantType = p.grant_type;
  if (grantType === undefined || grantType === '') {
    throw new EmulatorHttpError(422, {
      error: 'invalid_request',
      error_description: 'grant_type is required',
      invalid_fields: { grant_type: 'required' },
    });
  }
  if (p.client_id !== core.settings.clientId) {
    throw accountsError(401, 'invalid_client', 'Client not found or not authorized');
  }
  if (grantType === 'authorization_code') {
    const code = p.code === undefined ? undefined : core.state.authCodes.get(p.code);
    if (code === undefined || code.used || code.expiresAt <= core.state.now()) {
      throw accountsError(400, 'invalid_grant', 'Code is invalid, used or expired');
    }
    if (code.redirectUri !== undefined && p.redirect_uri !== code.redirectUri) {
      throw accountsError(400, 'invalid_grant', 'redirect_uri does not match');
    }
    let pkceVerified = false;
    if (code.codeChallenge !== undefined) {
      const verifier = p.code_verifier;
      const expected =
        verifier === undefined
          ? undefined
          : code.codeChallengeMethod === 'S256'
            ? createHash('sha256').update(verifier, 'ascii').digest('base64url')
            : verifier;
      if (expected !== code.codeChallenge) {
        throw accountsError(400, 'invalid_grant', 'code_verifier does not match the challenge');
      }
      pkceVerified = true;
    }
    // Server-side apps must send the secret; PKCE public clients may omit it.
    if (
      p.client_secret !== undefined ? p.client_secret !== core.settings.clientSecret : !pkceVerified
    ) {
      throw accountsError(401, 'invalid_client', 'Invalid client secret');
    }
    code.used = true;
    const tokens = core.state.issueAgentTokens(code.accountId);
    return { status: 200, json: tokenResponse(core, code.accountId, tokens) };
  }
  if (grantType === 'refresh_token') {
    if (p.client_secret !== core.settings.clientSecret) {
      throw accountsError(401, 'invalid_client', 'Invalid client secret');
    }
    const refresh = core.state.validAgentToken(p.refresh_token, 'refresh');
    if (refresh === undefined) {
      throw accountsError(400, 'invalid_grant', 'Refresh token is invalid, revoked or expired');
    }
    // Server-side apps: refresh tokens do not rotate.
    const tokens = core.state.issueAgentTokens(refresh.accountId, { refreshToken: refresh.token });
    core.state.recordRefreshGrant(refresh.organizationId);
    return { status: 200, json: tokenResponse(core, refresh.accountId, tokens) };
  }
  throw accountsError(400, 'unsupported_grant_type', 'Unsupported grant_type');
}

function presentedToken(ctx: RouteContext): string | undefined {
  return ctx.bearer ?? ctx.query.get('code') ?? undefined;
}

function info(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const found = core.state.validAgentToken(presentedToken(ctx), 'access');
  if (found === undefined) {
    throw accountsError(401, 'unauthorized', 'Invalid or expired access token');
  }
  const account = core.state.account(found.accountId);
  return {
    status: 200,
    json: {
      access_token: found.token,
      account_id: found.accountId,
      // A token minted with clientId '' stands for one whose info names no app (a fault).
      ...(found.clientId ? { client_id: found.clientId } : {}),
      expires_in: Math.max(0, Math.floor((found.expiresAt - core.state.now()) / 1000)),
      organization_id: found.organizationId,
      scope: (account?.scopes ?? found.scopes).join(','),
      token_type: 'Bearer',
    },
  };
}

function revokeToken(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const presented = presentedToken(ctx);
  const known = presented === undefined ? undefined : core.state.agentTokens.get(presented);
  if (known === undefined || known.revoked) {
    throw accountsError(404, 'resource_not_found', 'Token not found');
  }
  core.state.revokeToken(known.token);
  return { status: 200, json: {} };
}

// ---- customer tokens ----

function customerToken(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const agent = core.state.validAgentToken(ctx.bearer, 'access');
  if (agent === undefined) {
    throw customerAccountsError(401, 'invalid_request', 'Invalid or expired agent access token');
  }
  const body = ctx.body;
  if (body.grant_type !== 'agent_token') {
    throw customerAccountsError(400, 'unsupported_grant_type', 'Only agent_token is emulated');
  }
  if (body.client_id !== core.settings.clientId) {
    throw customerAccountsError(401, 'invalid_client', 'Unknown client_id');
  }
  if (!agent.scopes.includes('customers:own')) {
    throw customerAccountsError(403, 'access_denied', 'Insufficient scope: customers:own');
  }
  const ttl = body.expires_in === undefined ? undefined : Number(body.expires_in);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0)) {
    throw customerAccountsError(400, 'invalid_request', 'expires_in must be a positive integer');
  }
  let entityId: string;
  if (body.entity_id !== undefined) {
    const customer =
      typeof body.entity_id === 'string' ? core.state.customer(body.entity_id) : undefined;
    // UNCONFIRMED upstream: the real status for an unknown/purged entity is undocumented.
    if (customer === undefined || customer.organizationId !== agent.organizationId) {
      throw customerAccountsError(404, 'resource_not_found', 'Customer not found');
    }
    entityId = customer.id;
  } else {
    entityId = core.state.createCustomer(agent.organizationId).id;
  }
  const issued = core.state.issueCustomerToken(entityId, ttl);
  return {
    status: 200,
    json: {
      access_token: issued.accessToken,
      client_id: core.settings.clientId,
      entity_id: entityId,
      expires_in: issued.expiresIn,
      token_type: 'Bearer',
      organization_id: agent.organizationId,
    },
  };
}

function revokeCustomerToken(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const known = ctx.bearer === undefined ? undefined : core.state.customerTokens.get(ctx.bearer);
  if (known === undefined || known.revoked) {
    throw customerAccountsError(401, 'invalid_request', 'Invalid token');
  }
  known.revoked = true;
  return { status: 200 };
}

function customerInfo(core: EmulatorCore, ctx: RouteContext): RouteResult {
  const found = core.state.validCustomerToken(presentedToken(ctx));
  if (found === undefined) {
    throw customerAccountsError(401, 'invalid_request', 'Invalid or expired token');
  }
  return {
    status: 200,
    json: {
      access_token: found.token,
      client_id: found.clientId,
      entity_id: found.entityId,
      expires_in: Math.max(0, Math.floor((found.expiresAt - core.state.now()) / 1000)),
      organization_id: found.organizationId,
      token_type: 'Bearer',
    },
  };
}
