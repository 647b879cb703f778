import { randomBytes } from 'node:crypto';
import { newAuthCode } from './meta-graph-routes';
import { escapeHtml } from '../shared/http-toolkit';
import { EmulatorResponse, htmlPage, redirectTo } from './meta-graph-errors';
import { MetaState } from './meta-state';

const CODE_TTL_MS = 10 * 60_000;

export interface DialogRequest {
  id: string;
  clientId: string;
  redirectUri: string;
  state?: string;
  scopes: string[];
  version: string;
}

export type DialogDecision = 'continue' | 'cancel';

/**
 * The Facebook Login dialog: `GET /{version}/dialog/oauth` answers a page with "Continue" and
 * "Cancel" (or redirects at once, per `state.loginBehavior`), then redirects to `redirect_uri`
 * with `code` + `state`, or with `error=access_denied` + `state`.
 */
export class MetaLoginDialog {
  private readonly pending = new Map<string, DialogRequest>();

  constructor(
    private readonly state: MetaState,
    private readonly appId: string,
    private readonly allowedRedirectUris: string[] | undefined,
  ) {}

  /** Validates dialog parameters; an HTML error page when they are wrong (as Facebook does). */
  open(version: string, query: URLSearchParams): DialogRequest | EmulatorResponse {
    const clientId = query.get('client_id') ?? '';
    const redirectUri = query.get('redirect_uri') ?? '';
    if (clientId !== this.appId) {
      return errorPage('Invalid App ID', 'The provided app ID does not look like a valid app ID.');
    }
    let parsed: URL;
    try {
      parsed = new URL(redirectUri);
    } catch {
      return errorPage('URL blocked', 'The redirect_uri is missing or not an absolute URL.');
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) {
      return errorPage('URL blocked', 'The redirect_uri must be http(s).');
    }
    if (this.allowedRedirectUris && !this.allowedRedirectUris.includes(redirectUri)) {
      return errorPage(
        'URL blocked',
        "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.",
      );
    }
    const request: DialogRequest = {
      id: randomBytes(12).toString('hex'),
      clientId,
      redirectUri,
      state: query.get('state') ?? undefined,
      scopes: (query.get('scope') ?? '').split(/[ ,]+/).filter(Boolean),
      version,
    };
    this.pending.set(request.id, request);
    return request;
  }

  /** What the dialog GET answers: the page, or an immediate redirect in auto modes. */
  serve(version: string, query: URLSearchParams): EmulatorResponse {
    const request = this.open(version, query);
    if ('status' in request) {
      return request;
    }
    const behavior = this.state.loginBehavior;
    if (behavior.mode === 'auto-continue') {
      return redirectTo(this.decide(request.id, 'continue'));
    }
    if (behavior.mode === 'auto-cancel') {
      return redirectTo(this.decide(request.id, 'cancel'));
    }
    return this.page(request);
  }

  /** The form posts back here: `GET /{version}/dialog/oauth/decision?request&decision&scope…`. */
  decision(query: URLSearchParams): EmulatorResponse {
    const id = query.get('request') ?? '';
    if (!this.pending.has(id)) {
      return errorPage('Session expired', 'This login request is no longer valid.');
    }
    const decision = query.get('decision') === 'continue' ? 'continue' : 'cancel';
    const granted = query.getAll('scope');
    return redirectTo(this.decide(id, decision, decision === 'continue' ? granted : undefined));
  }

  /**
   * Completes a pending request; returns the redirect URL. Scopes granted: `grantScopes` (the
   * ticked boxes), else the behaviour's `grantScopes`, else all requested.
   */
  decide(requestId: string, decision: DialogDecision, grantScopes?: string[]): string {
    const request = this.pending.get(requestId);
    if (!request) {
      throw new Error('unknown or finished login request');
    }
    this.pending.delete(requestId);
    const target = new URL(request.redirectUri);
    if (decision === 'cancel') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_code', '200');
      target.searchParams.set('error_description', 'Permissions error');
      target.searchParams.set('error_reason', 'user_denied');
      if (request.state !== undefined) {
        target.searchParams.set('state', request.state);
      }
      return `${target.toString()}#_=_`;
    }
    const user = this.loginUser();
    const allowed = grantScopes ?? this.state.loginBehavior.grantScopes ?? request.scopes;
    for (const scope of request.scopes) {
      if (allowed.includes(scope)) {
        user.grantedScopes.add(scope);
        user.declinedScopes.delete(scope);
      } else {
        user.grantedScopes.delete(scope);
        user.declinedScopes.add(scope);
      }
    }
    user.appRemoved = false;
    const code = newAuthCode();
    this.state.authCodes.set(code, {
      code,
      userId: user.id,
      redirectUri: request.redirectUri,
      expiresAt: this.state.now() + CODE_TTL_MS,
      used: false,
    });
    target.searchParams.set('code', code);
    if (request.state !== undefined) {
      target.searchParams.set('state', request.state);
    }
    return `${target.toString()}#_=_`;
  }

  private loginUser() {
    const wanted = this.state.loginBehavior.userId;
    if (wanted) {
      return this.state.requireUser(wanted);
    }
    const users = [...this.state.users.values()];
    if (users.length === 1) {
      return users[0];
    }
    if (users.length === 0) {
      return this.state.addUser({ scopes: [] });
    }
    throw new Error('several emulated users: set meta.state.setLoginBehavior({ userId })');
  }

  private page(request: DialogRequest): EmulatorResponse {
    const user = this.safeUserName();
    const action = `/${request.version}/dialog/oauth/decision`;
    const scopes = request.scopes
      .map(
        (s) =>
          `<label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label><br>`,
      )
      .join('\n');
    const body = `<h1>Emulated App is requesting access</h1>
<p>Logged in as ${escapeHtml(user)}</p>
<form method="get" action="${action}">
<input type="hidden" name="request" value="${request.id}">
<fieldset><legend>Permissions</legend>
${scopes}
</fieldset>
<button type="submit" name="decision" value="continue" id="continue">Continue</button>
<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
</form>`;
    return htmlPage(200, 'Log in with Facebook', body);
  }

  private safeUserName(): string {
    try {
      return this.loginUser().name;
    } catch {
      return 'several users';
    }
  }
}

function errorPage(title: string, text: string): EmulatorResponse {
  return htmlPage(400, title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`);
}
