import { InstallationRepository } from '@app/persistence';
import { OrganizationHandle } from '../emulators/livechat';
import { EmulatedInstagramAccount, EmulatedPage, EmulatedUser } from '../emulators/meta';
import { World } from '../support/world';

/** Every response any settings test saw: none may carry Set-Cookie (checked after each file). */
export const seenResponses: Array<{ method: string; path: string; setCookie: string | null }> = [];

/** fetch against the gateway without following redirects, recording every response. */
export async function call(
  world: World,
  path: string,
  init: RequestInit & { token?: string; json?: unknown } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) {
    headers.set('authorization', `Bearer ${init.token}`);
  }
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const url = path.startsWith('http') ? path : `${world.gateway.url}${path}`;
  const response = await fetch(url, { ...init, headers, body, redirect: 'manual' });
  if (url.startsWith(world.gateway.url)) {
    seenResponses.push({
      method: init.method ?? 'GET',
      path: new URL(url).pathname,
      setCookie: response.headers.get('set-cookie'),
    });
  }
  return response;
}

export function location(response: Response): string {
  const value = response.headers.get('location');
  if (!value) {
    throw new Error(`expected a redirect, got ${response.status}`);
  }
  return value;
}

/**
 * The admin of `org` installs the app the way we start it ourselves: GET /install → LiveChat's
 * authorize page (auto-approved by the emulator) → /install?code&state → redirect to /app.
 */
export async function installThroughOurFlow(
  world: World,
  org: OrganizationHandle,
): Promise<Response> {
  world.livechat.state.signIn(org.accountId);
  const start = await call(world, '/install');
  expect(start.status).toBe(302);
  const authorize = await fetch(location(start), { redirect: 'manual' });
  expect(authorize.status).toBe(302);
  const back = location(authorize);
  expect(back.startsWith(`${world.gateway.url}/install?`)).toBe(true);
  return call(world, back);
}

/** The Marketplace's direct installation: LiveChat sends the admin to /install?code=… (no state). */
export function installFromMarketplace(world: World, org: OrganizationHandle): Promise<Response> {
  return call(world, `/install?code=${encodeURIComponent(org.code)}`);
}

/** An installed organization and its admin's LiveChat token (as the settings page would hold). */
export async function installedOrganization(
  world: World,
  options: Parameters<World['livechat']['state']['createOrganization']>[0] = {},
): Promise<{ org: OrganizationHandle; token: string; installationId: string }> {
  const org = world.livechat.state.createOrganization(options);
  const response = await installFromMarketplace(world, org);
  expect(response.status).toBe(303);
  const settings = await call(world, '/api/settings', { token: org.accessToken });
  expect(settings.status).toBe(200);
  const installation = await world.gateway.app
    .get(InstallationRepository)
    .findByOrganization(org.organizationId);
  return { org, token: org.accessToken, installationId: installation!.id };
}

export interface FacebookBusiness {
  user: EmulatedUser;
  page: EmulatedPage;
  igAccount: EmulatedInstagramAccount;
}

/** A Facebook user managing one Page linked to an Instagram professional account. */
export function facebookBusiness(world: World, scopes?: string[]): FacebookBusiness {
  const user = world.meta.state.addUser(scopes ? { scopes } : {});
  const { page, igAccount } = world.meta.state.addPage({ ownerUserId: user.id });
  return { user, page, igAccount: igAccount! };
}

/**
 * "Connect Instagram account" without a browser: POST /api/instagram/connect, the emulated
 * Facebook dialog decides, the browser lands on our callback. Returns the callback's response.
 */
export async function connectThroughDialog(
  world: World,
  token: string,
  userId: string,
  options: { decision?: 'continue' | 'cancel'; grantScopes?: string[] } = {},
): Promise<{ response: Response; html: string; dialogUrl: string; callbackUrl: string }> {
  const started = await call(world, '/api/instagram/connect', {
    method: 'POST',
    token,
    json: {},
  });
  expect(started.status).toBe(200);
  const { url: dialogUrl } = (await started.json()) as { url: string };
  world.meta.state.setLoginBehavior({ userId });
  const callbackUrl = world.meta.completeLogin(dialogUrl, options);
  const response = await call(world, callbackUrl);
  return { response, html: await response.text(), dialogUrl, callbackUrl };
}

/** The handle the callback page hands to the settings page (`<meta name="igl-connect-handle">`). */
export function handleIn(html: string): string | undefined {
  return /<meta name="igl-connect-handle" content="([^"]+)">/.exec(html)?.[1];
}

/** The settings page's half: `POST /api/instagram/connect/complete` with the admin's token. */
export async function completeConnect(
  world: World,
  token: string,
  handle: string,
  pageId?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await call(world, '/api/instagram/connect/complete', {
    method: 'POST',
    token,
    json: pageId === undefined ? { handle } : { handle, pageId },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * The whole connect as the settings page does it for one Page: the dialog, the callback's
 * handle, then complete with the same admin's token. Returns complete's answer.
 */
export async function connectAccount(
  world: World,
  token: string,
  userId: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { response, html } = await connectThroughDialog(world, token, userId);
  expect(response.status).toBe(200);
  const handle = handleIn(html);
  expect(handle).toBeDefined();
  return completeConnect(world, token, handle!);
}

/** The visible text of a page (tags dropped, entities of our escaping decoded). */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/**
 * "Instagram professional account" without a browser: POST /api/instagram/connect with
 * `{ login: "instagram" }`, the emulated Instagram dialog decides as `igAccountId`, the browser
 * lands on our callback. Returns the callback's response.
 */
export async function connectThroughInstagramDialog(
  world: World,
  token: string,
  igAccountId: string,
  options: { decision?: 'continue' | 'cancel'; grantScopes?: string[] } = {},
): Promise<{ response: Response; html: string; dialogUrl: string; callbackUrl: string }> {
  const started = await call(world, '/api/instagram/connect', {
    method: 'POST',
    token,
    json: { login: 'instagram' },
  });
  expect(started.status).toBe(200);
  const { url: dialogUrl } = (await started.json()) as { url: string };
  world.meta.state.setInstagramLoginBehavior({ igAccountId });
  const callbackUrl = world.meta.completeInstagramLogin(dialogUrl, options);
  const response = await call(world, callbackUrl);
  return { response, html: await response.text(), dialogUrl, callbackUrl };
}

/** The whole Instagram Login connect as the settings page does it. Returns complete's answer. */
export async function connectWithInstagramLogin(
  world: World,
  token: string,
  igAccountId: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { response, html } = await connectThroughInstagramDialog(world, token, igAccountId);
  expect(response.status).toBe(200);
  const handle = handleIn(html);
  expect(handle).toBeDefined();
  return completeConnect(world, token, handle!);
}
