import { Injectable } from '@nestjs/common';
import { LiveChatCredentialsService } from '@app/credentials';
import { ConfigurationClient, isLiveChatApiError, LiveChatAccountsClient } from '@app/livechat-sdk';
import { InstallationEntity, InstallationRepository } from '@app/persistence';
import { isAuthFailure } from '../common/platform-errors.util';

/**
 * What LiveChat says about an installation we were told is uninstalled:
 * - `no-grant`: we hold no token any more (revoked by an earlier run): nothing to confirm;
 * - `grant-revoked`: the access token fails and a refresh is refused: LiveChat ended our grant;
 * - `webhooks-disabled`: the grant works but LiveChat turned this app's license webhooks off;
 * - `webhooks-enabled`: the grant works and the app's webhooks are on: LiveChat says installed;
 * - `grant-valid`: the grant works and the webhook state cannot be read (scope not granted).
 */
export type UninstallEvidence =
  'no-grant' | 'grant-revoked' | 'webhooks-disabled' | 'webhooks-enabled' | 'grant-valid';

export interface UninstallVerdict {
  confirmed: boolean;
  evidence: UninstallEvidence;
}

const WEBHOOK_STATE_SCOPES = new Set(['webhooks.state:ro', 'webhooks.state:rw']);

/**
 * The `application_uninstalled` webhook is unsigned, so it is a trigger, never proof. It is
 * confirmed only by LiveChat itself: our grant stopped working, or the app's license webhooks
 * were turned off (only LiveChat does that; we never do). Transient failures throw (retry).
 */
@Injectable()
export class UninstallVerifier {
  constructor(
    private readonly installations: InstallationRepository,
    private readonly accounts: LiveChatAccountsClient,
    private readonly configuration: ConfigurationClient,
    private readonly credentials: LiveChatCredentialsService,
  ) {}

  async check(installation: InstallationEntity): Promise<UninstallVerdict> {
    const tokens = await this.installations.getTokens(installation.id);
    if (!tokens.accessToken && !tokens.refreshToken) {
      return { confirmed: true, evidence: 'no-grant' };
    }
    let token: string | undefined;
    if (tokens.accessToken) {
      try {
        await this.accounts.info(tokens.accessToken);
        token = tokens.accessToken;
      } catch (error) {
        if (!isAuthFailure(error)) {
          throw error;
        }
      }
    }
    if (!token) {
      // Expired, or revoked: only a refresh tells the two apart.
      try {
        token = await this.credentials.agentToken(installation.id, { forceRefresh: true });
      } catch (error) {
        if (isAuthFailure(error)) {
          return { confirmed: true, evidence: 'grant-revoked' };
        }
        throw error;
      }
    }
    const scopes = installation.scopes.split(/[\s,]+/);
    if (!scopes.some((s) => WEBHOOK_STATE_SCOPES.has(s))) {
      return { confirmed: false, evidence: 'grant-valid' };
    }
    try {
      const state = await this.configuration.getLicenseWebhooksState(token);
      return state.licenseWebhooksEnabled
        ? { confirmed: false, evidence: 'webhooks-enabled' }
        : { confirmed: true, evidence: 'webhooks-disabled' };
    } catch (error) {
      if (isLiveChatApiError(error) && (error.kind === 'permanent' || error.kind === 'auth')) {
        return { confirmed: false, evidence: 'grant-valid' };
      }
      throw error;
    }
  }
}
