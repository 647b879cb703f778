import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  LIVECHAT_CLIENT_OPTIONS,
  LiveChatClientOptions,
  ResolvedLiveChatOptions,
  resolveLiveChatOptions,
} from './livechat-options.types';
import { optBoolean, requireRecord, invalidResponse } from './livechat-parse.util';
import { LiveChatTransport } from './livechat-transport.util';

/**
 * Configuration API, limited to this app's license webhooks. Called with the installer's agent
 * token: LiveChat takes the client id from the token, so no `owner_client_id` is sent.
 */
@Injectable()
export class ConfigurationClient {
  private readonly logger = new Logger(ConfigurationClient.name);
  private readonly options: ResolvedLiveChatOptions;
  private readonly transport: LiveChatTransport;

  constructor(@Inject(LIVECHAT_CLIENT_OPTIONS) options: LiveChatClientOptions) {
    this.options = resolveLiveChatOptions(options);
    this.transport = new LiveChatTransport(this.options, this.logger);
  }

  /** Needs `webhooks.state:ro`. */
  async getLicenseWebhooksState(agentToken: string): Promise<{ licenseWebhooksEnabled: boolean }> {
    const body = await this.call('get_license_webhooks_state', agentToken);
    const enabled = optBoolean(
      requireRecord(body, 'get_license_webhooks_state'),
      'license_webhooks_enabled',
    );
    if (enabled === undefined) {
      throw invalidResponse('get_license_webhooks_state');
    }
    return { licenseWebhooksEnabled: enabled };
  }

  /** Needs `webhooks.state:rw`. Idempotent. */
  async enableLicenseWebhooks(agentToken: string): Promise<void> {
    await this.call('enable_license_webhooks', agentToken);
  }

  private async call(method: string, agentToken: string): Promise<unknown> {
    const { body } = await this.transport.request({
      method,
      httpMethod: 'POST',
      url: `${this.options.apiUrl}/v${this.options.apiVersion}/configuration/action/${method}`,
      bearer: agentToken,
      regional: true,
      json: {},
    });
    return body;
  }
}
