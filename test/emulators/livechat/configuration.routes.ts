import { EmulatorCore, RouteContext, RouteResult } from './emulator-core';
import { EmulatorGroup } from './emulator-state';
import { chatError } from './livechat-errors';

/** Matches `/v<version>/configuration/action/<method>`. */
export function configurationRoute(path: string): { version: string; method: string } | undefined {
  const match = /^\/v([^/]+)\/configuration\/action\/([a-z_]+)$/.exec(path);
  return match === null ? undefined : { version: match[1], method: match[2] };
}

const SCOPE_NEEDED: Record<string, string[]> = {
  get_license_webhooks_state: ['webhooks.state:ro', 'webhooks.state:rw'],
  enable_license_webhooks: ['webhooks.state:rw'],
  disable_license_webhooks: ['webhooks.state:rw'],
  // `groups--my:ro` would list only the caller's own groups; the app asks for all of them.
  list_groups: ['groups--all:ro', 'groups--all:rw'],
  get_group: ['groups--all:ro', 'groups--all:rw'],
  create_group: ['groups--all:rw'],
  delete_group: ['groups--all:rw'],
};

/**
 * License webhook state and groups; webhook registration is done through control methods.
 * Groups as the Configuration API shows them: `list_groups` answers a bare array of
 * `{ id, name, language_code }`; an unknown id is `not_found` (UNCONFIRMED type upstream).
 */
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
  const body = ctx.body;
  switch (method) {
    case 'list_groups':
      return { status: 200, json: organization.groups.map(groupJson) };
    case 'get_group': {
      const group = organization.groups.find((g) => g.id === body.id);
      if (group === undefined) {
        throw chatError(404, 'not_found', 'Group not found');
      }
      return { status: 200, json: groupJson(group) };
    }
    case 'create_group': {
      if (typeof body.name !== 'string' || body.name.trim() === '') {
        throw chatError(400, 'validation', 'name is required');
      }
      return {
        status: 200,
        json: { id: core.state.createGroup(organization.organizationId, body.name).id },
      };
    }
    case 'delete_group': {
      if (typeof body.id !== 'number') {
        throw chatError(400, 'validation', 'id is required');
      }
      if (body.id === 0) {
        throw chatError(400, 'validation', 'The default group cannot be deleted');
      }
      if (!core.state.deleteGroup(organization.organizationId, body.id)) {
        throw chatError(404, 'not_found', 'Group not found');
      }
      return { status: 200, json: {} };
    }
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

function groupJson(group: EmulatorGroup): Record<string, unknown> {
  return { id: group.id, name: group.name, language_code: group.languageCode };
}
