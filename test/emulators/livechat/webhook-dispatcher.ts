import { randomBytes } from 'node:crypto';
import { EmulatorChat, LiveChatEmulatorState } from './emulator-state';
import { JsonObject } from '../shared/http-toolkit';

export type AuthorType = 'agent' | 'customer';
export type SourceType = 'my_client' | 'other_clients' | 'system';

export interface WebhookFilters {
  /** Only `incoming_event` and `event_updated`; system messages match neither. */
  authorType?: AuthorType;
  onlyMyChats?: boolean;
  sourceType?: SourceType[];
}

export interface RegisterWebhookOptions {
  url: string;
  action: string;
  secretKey: string;
  filters?: WebhookFilters;
  /** e.g. `['chat_properties', 'chat_presence_user_ids']`. */
  additionalData?: string[];
  /** Limit to one organization (real webhooks are per client id, for every license). */
  organizationId?: string;
}

export interface WebhookRegistration extends RegisterWebhookOptions {
  id: string;
}

export interface WebhookDelivery {
  webhookId?: string;
  url: string;
  action: string;
  body: unknown;
  /** HTTP status our server answered, or `network` when it could not be reached / timed out. */
  status: number | 'network';
  attempt: number;
  at: number;
  durationMs: number;
}

export interface DispatchContext {
  chat?: EmulatorChat;
  authorType?: AuthorType;
  sourceType: SourceType;
}

export interface DispatcherSettings {
  clientId: string;
  timeoutMs: number;
  /** Extra attempts after a non-200 (LiveChat: up to 3 within about a minute). */
  retries: number;
}

/**
 * Delivers chat webhooks the way LiveChat does (v3.6 envelope, POST JSON) and records every
 * attempt with the status our server answered.
 */
export class WebhookDispatcher {
  readonly registrations: WebhookRegistration[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly state: LiveChatEmulatorState,
    private readonly settings: DispatcherSettings,
  ) {}

  register(options: RegisterWebhookOptions): WebhookRegistration {
    // LiveChat: 3 per action per client id. Registrations scoped to one organization (a test
    // convenience) count separately, so parallel test organizations do not starve each other.
    const sameAction = this.registrations.filter(
      (r) => r.action === options.action && r.organizationId === options.organizationId,
    );
    if (sameAction.length >= 3) {
      throw new Error('LiveChat allows at most 3 webhooks per action per client');
    }
    if (options.url.length > 500) {
      throw new Error('webhook url longer than 500 characters');
    }
    const registration: WebhookRegistration = { ...options, id: randomBytes(12).toString('hex') };
    this.registrations.push(registration);
    return registration;
  }

  unregister(id: string): void {
    const index = this.registrations.findIndex((r) => r.id === id);
    if (index >= 0) {
      this.registrations.splice(index, 1);
    }
  }

  /** Sends to every matching registration; resolves when all attempts (and retries) finished. */
  async dispatch(
    organizationId: string,
    action: string,
    payload: JsonObject,
    context: DispatchContext,
  ): Promise<WebhookDelivery[]> {
    const organization = this.state.organization(organizationId);
    if (organization === undefined || !organization.webhooksEnabled) {
      return [];
    }
    const targets = this.registrations.filter(
      (r) =>
        r.action === action &&
        (r.organizationId === undefined || r.organizationId === organizationId) &&
        this.passes(r, action, context),
    );
    const results = await Promise.all(
      targets.map((registration) => {
        const body: JsonObject = {
          webhook_id: registration.id,
          secret_key: registration.secretKey,
          action,
          organization_id: organizationId,
          payload,
        };
        const additional = this.additionalData(registration, context.chat);
        if (additional !== undefined) {
          body.additional_data = additional;
        }
        return this.deliverWithRetries(registration.url, body, action, registration.id);
      }),
    );
    return results.flat();
  }

  /** Fire-and-forget variant used for webhooks caused by API calls; `flush()` awaits them. */
  dispatchInBackground(
    organizationId: string,
    action: string,
    payload: JsonObject,
    context: DispatchContext,
  ): void {
    this.track(this.dispatch(organizationId, action, payload, context));
  }

  /** Raw delivery (redeliveries, hand-made bodies): POSTs `body` to `url` `times` times in order. */
  async deliverRaw(url: string, body: unknown, times = 1): Promise<WebhookDelivery[]> {
    const out: WebhookDelivery[] = [];
    const action =
      typeof body === 'object' && body !== null && 'action' in body ? String(body.action) : 'raw';
    for (let i = 0; i < times; i++) {
      out.push(await this.post(url, body, action, undefined, i + 1));
    }
    return out;
  }

  /** Resolves once every background delivery (including ones started meanwhile) finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private passes(
    registration: WebhookRegistration,
    action: string,
    context: DispatchContext,
  ): boolean {
    const filters = registration.filters;
    if (filters === undefined) {
      return true;
    }
    if (
      filters.authorType !== undefined &&
      (action === 'incoming_event' || action === 'event_updated') &&
      context.authorType !== filters.authorType
    ) {
      return false;
    }
    if (filters.onlyMyChats === true && context.chat !== undefined) {
      const source = context.chat.properties.source;
      if (source?.client_id !== this.settings.clientId) {
        return false;
      }
    }
    if (filters.sourceType !== undefined && !filters.sourceType.includes(context.sourceType)) {
      return false;
    }
    return true;
  }

  private additionalData(
    registration: WebhookRegistration,
    chat: EmulatorChat | undefined,
  ): JsonObject | undefined {
    const wanted = registration.additionalData ?? [];
    if (wanted.length === 0 || chat === undefined) {
      return undefined;
    }
    const out: JsonObject = {};
    if (wanted.includes('chat_properties')) {
      out.chat_properties = chat.properties;
    }
    if (wanted.includes('chat_presence_user_ids')) {
      out.chat_presence_user_ids = [chat.customerId, ...chat.agentIds];
    }
    return out;
  }

  private async deliverWithRetries(
    url: string,
    body: unknown,
    action: string,
    webhookId: string,
  ): Promise<WebhookDelivery[]> {
    const out: WebhookDelivery[] = [];
    for (let attempt = 1; attempt <= 1 + this.settings.retries; attempt++) {
      const delivery = await this.post(url, body, action, webhookId, attempt);
      out.push(delivery);
      if (delivery.status === 200) {
        break;
      }
    }
    return out;
  }

  private async post(
    url: string,
    body: unknown,
    action: string,
    webhookId: string | undefined,
    attempt: number,
  ): Promise<WebhookDelivery> {
    const started = Date.now();
    let status: number | 'network' = 'network';
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'LiveChat-Emulator-Webhooks' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      // recorded as 'network'
    }
    const delivery: WebhookDelivery = {
      webhookId,
      url,
      action,
      body,
      status,
      attempt,
      at: started,
      durationMs: Date.now() - started,
    };
    this.deliveries.push(delivery);
    return delivery;
  }
}
