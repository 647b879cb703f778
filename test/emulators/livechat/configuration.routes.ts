import { EmulatorCore, RouteContext, RouteResult } from './emulator-core';
import { chatError } from './http.util';

/** Matches `/v<version>/configuration/action/<method>`. */
export function configurationRoute(path: string): { version: string; method: string } | undefined {
  const match = /^\/v([^/]+)\/configuration\/action\/([a-z_]+)$/.exec(path);
  return match === null ? undefined : { version: match[1], method: match[2] };
}

const SCOPE_NEEDED: Record<string, string[]> = {
  get_license_webhooks_state: ['webhooks.state:ro', 'webhooks.state:rw'],
  enable_license_webhooks: ['webhooks.state:rw'],
  disable_license_webhooks: ['webhooks.state:rw'],
};

/** License webhook state only; webhook registration is done through control methods. */
export function handleConfiguration(
  core: EmulatorCore,
  version: string,
  method: string,
  ctx: RouteContext,
): RouteResult {
  if (version !== core.settings.apiVersion) {
    throw chatError(400, 'unsupported_version', `Version ${version} is not supported`);
  }
  const needed = SCOPE_NEEDED[method];
  if (needed === undefined) {
    throw chatError(404, 'not_found', 'Unknown method');
  }
  if (ctx.method !== 'POST') {
    throw chatError(405, 'validation', 'Use POST');
  }
  const token = core.state.validAgentToken(ctx.bearer, 'access');
  if (token === undefined) {
    throw chatError(401, 'authentication', 'Invalid access token');
  }
  if (!needed.some((scope) => token.scopes.includes(scope))) {
    throw chatError(403, 'authorization', `Missing scope ${needed.join(' or ')}`);
  }
  if (!ctx.bodyValid) {
    throw chatError(400, 'validation', 'Request body must be a JSON object');
  }
  const organization = core.state.requireOrganization(token.organizationId);
  switch (method) {
    case 'get_license_webhooks_state':
      return { status: 200, json: { license_webhooks_enabled: organization.webhooksEnabled } };
    case 'enable_license_webhooks':
      organization.webhooksEnabled = true;
      return { status: 200, json: {} };
    default:
      organization.webhooksEnabled = false;
      return { status: 200, json: {} };
  }
}
