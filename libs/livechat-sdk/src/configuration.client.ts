import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  LIVECHAT_CLIENT_OPTIONS,
  LiveChatClientOptions,
  ResolvedLiveChatOptions,
  resolveLiveChatOptions,
} from './livechat-options.types';
import {
  asRecord,
  invalidResponse,
  optBoolean,
  optNumber,
  optString,
  requireRecord,
} from './livechat-parse.util';
import { LiveChatTransport } from './livechat-transport.util';

/** A LiveChat group of the license (routing target of chats). */
export interface LiveChatGroup {
  id: number;
  name: string;
}

/**
 * Configuration API, limited to this app's license webhooks and the license's groups. Called with the installer's agent
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

  /**
   * The license's groups (`list_groups`; needs `groups--all:ro`). The response is a bare array of
   * `{ id, name, language_code, … }`; entries without a numeric id are skipped.
   */
  async listGroups(agentToken: string): Promise<LiveChatGroup[]> {
    const body = await this.call('list_groups', agentToken);
    if (!Array.isArray(body)) {
      throw invalidResponse('list_groups');
    }
    const groups: LiveChatGroup[] = [];
    for (const entry of body) {
      const record = asRecord(entry);
      const id = optNumber(record, 'id');
      if (id === undefined || !Number.isInteger(id)) {
        continue;
      }
      groups.push({ id, name: optString(record, 'name') ?? `Group ${id}` });
    }
    return groups.sort((a, b) => a.id - b.id);
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
