import { Injectable, Logger } from '@nestjs/common';
import {
  AgentTokenSet,
  isLiveChatApiError,
  LiveChatAccountsClient,
  pkceChallenge,
} from '@app/livechat-sdk';
import { ConnectionSignals, installationHolder } from '@app/credentials';
import { InstallationEntity, InstallationRepository } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { GatewayEnv } from '../config/gateway.env';
import { SignedState } from '../pages/signed-state.util';

/** Administrator scope the product cannot work without (customer tokens for Instagram users). */
export const REQUIRED_LIVECHAT_SCOPE = 'customers:own';
/** How long an install we started may take (LiveChat codes live a few minutes). */
export const INSTALL_STATE_TTL_MS = 10 * 60_000;

interface InstallStatePayload {
  /** Random nonce; the PKCE verifier is derived from it with the server key. */
  n: string;
}

export type InstallOutcome =
  | { kind: 'installed'; installation: InstallationEntity; reinstalled: boolean }
  | { kind: 'bad-state'; reason: 'malformed' | 'bad-signature' | 'expired' }
  | { kind: 'not-admin'; scopes: string[] }
  | { kind: 'code-rejected' }
  | { kind: 'upstream-failed' };

export function parseInstallState(raw: unknown): InstallStatePayload | undefined {
  if (typeof raw !== 'object' || raw === null) {
    return undefined;
  }
  const { n } = raw as { n?: unknown };
  return typeof n === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(n) ? { n } : undefined;
}

/**
 * LiveChat installation: the Direct installation URL receives `?code=` from the Marketplace (no
 * state, no PKCE: LiveChat built that authorize request), or from an authorize request we started
 * (`GET /install` without a code), which carries a signed state and a PKCE challenge whose verifier
 * only this server can derive. Either way the code is exchanged with the client secret.
 */
@Injectable()
export class InstallService {
  private readonly logger = new Logger(InstallService.name);
  private readonly states: SignedState<InstallStatePayload>;
  readonly redirectUri: string;

  constructor(
    env: GatewayEnv,
    private readonly accounts: LiveChatAccountsClient,
    private readonly installations: InstallationRepository,
    private readonly signals: ConnectionSignals,
  ) {
    this.states = new SignedState(
      env.TOKEN_ENCRYPTION_KEY,
      'livechat-install-state',
      parseInstallState,
    );
    this.redirectUri = `${env.PUBLIC_URL.replace(/\/+$/, '')}/install`;
  }

  /** LiveChat's authorize page for an install we start ourselves (state + PKCE S256). */
  authorizeUrl(now: number = Date.now()): string {
    const nonce = randomBytes(16).toString('base64url');
    const state = this.states.sign({ n: nonce }, INSTALL_STATE_TTL_MS, now);
    return this.accounts.buildAuthorizeUrl({
      redirectUri: this.redirectUri,
      state,
      codeChallenge: pkceChallenge(this.verifierFor(nonce)),
    });
  }

  /** Exposed for tests: a state as `authorizeUrl` signs it, at any clock. */
  signState(nonce: string, now: number): string {
    return this.states.sign({ n: nonce }, INSTALL_STATE_TTL_MS, now);
  }

  async complete(code: string, state: string | undefined): Promise<InstallOutcome> {
    let codeVerifier: string | undefined;
    if (state !== undefined) {
      const check = this.states.verify(state);
      if (!check.ok) {
        return {
          kind: 'bad-state',
          reason: check.reason === 'missing' ? 'malformed' : check.reason,
        };
      }
      codeVerifier = this.verifierFor(check.payload.n);
    }
    let grant: AgentTokenSet;
    try {
      grant = await this.accounts.exchangeCode({
        code,
        redirectUri: this.redirectUri,
        codeVerifier,
      });
    } catch (error) {
      if (isLiveChatApiError(error) && (error.kind === 'auth' || error.kind === 'permanent')) {
        this.logger.warn({
          msg: 'install: code refused',
          vendorType: error.vendorType,
          status: error.status,
        });
        return { kind: 'code-rejected' };
      }
      this.logger.error({ msg: 'install: LiveChat token exchange failed', error: String(error) });
      return { kind: 'upstream-failed' };
    }
    if (!grant.scopes.includes(REQUIRED_LIVECHAT_SCOPE)) {
      // Useless to us and a slot of the admin's 25: give it back.
      await this.accounts.revoke(grant.accessToken).catch(() => false);
      this.logger.warn({
        msg: 'install: grant without customers:own',
        organizationId: grant.organizationId,
      });
      return { kind: 'not-admin', scopes: grant.scopes };
    }
    const existing = await this.installations.findByOrganization(grant.organizationId);
    const installation = await this.installations.upsertGrant({
      organizationId: grant.organizationId,
      accountId: grant.accountId,
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken,
      expiresAt: grant.expiresAt,
      scopes: grant.scope,
    });
    // Every worker sees the new grant now, and items held while it needed reinstalling go out.
    await this.signals.restored(installationHolder(installation.id));
    this.logger.log({
      msg: existing ? 'reinstalled' : 'installed',
      installationId: installation.id,
      organizationId: installation.organizationId,
      pkce: codeVerifier !== undefined,
    });
    return { kind: 'installed', installation, reinstalled: existing !== null };
  }

  private verifierFor(nonce: string): string {
    // 43 base64url characters: the shortest verifier RFC 7636 allows, and only we can make it.
    return this.states.derive('pkce-verifier', nonce);
  }
}
