import { Injectable } from '@nestjs/common';
import { LiveChatWebhook } from '@app/livechat-sdk';
import { InstallationRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import {
  ConversationOrder,
  JobProducer,
  jobIds,
  JsonObject,
  ORDERED_JOB_OPTIONS,
  QueueName,
} from '@app/queues';
import { GatewayEnv } from '../../config/gateway.env';

const INSTALLATION_CACHE_MS = 5_000;

function chatIdOf(webhook: LiveChatWebhook): string | undefined {
  switch (webhook.action) {
    case 'incoming_event':
    case 'event_updated':
    case 'chat_deactivated':
    case 'event_deleted':
    case 'events_marked_as_seen':
      return webhook.payload.chatId;
    case 'incoming_chat':
      return webhook.payload.chat.id;
    case 'unknown':
      return undefined;
  }
}

/** The identity of a webhook across LiveChat's redeliveries. */
function dedupeKey(webhook: LiveChatWebhook, chatId: string): string {
  switch (webhook.action) {
    case 'incoming_event':
      return webhook.payload.event.id;
    case 'event_updated':
      return `${webhook.payload.event.id}:${JSON.stringify(webhook.payload.event).length}`;
    case 'incoming_chat':
      return `${chatId}:${webhook.payload.chat.thread?.id ?? ''}`;
    case 'chat_deactivated':
      return `${chatId}:${webhook.payload.threadId}`;
    case 'event_deleted':
      return `${chatId}:${webhook.payload.eventId}`;
    case 'events_marked_as_seen':
      return `${chatId}:${webhook.payload.userId}:${webhook.payload.seenUpTo}`;
    case 'unknown':
      return chatId;
  }
}

export type LiveChatIntakeOutcome = 'queued' | 'ignored_installation' | 'ignored_action';

/**
 * Verified LiveChat chat webhook → one job per event, ordered per chat. Looks the organization up
 * (briefly cached) so webhooks of organizations without an active installation stop here.
 */
@Injectable()
export class LiveChatIntakeService {
  private readonly installations = new Map<string, { at: number; active: boolean }>();
  private order?: ConversationOrder;

  constructor(
    private readonly repository: InstallationRepository,
    private readonly producer: JobProducer,
    private readonly metrics: Metrics,
    private readonly env: GatewayEnv,
  ) {}

  private async isActive(organizationId: string): Promise<boolean> {
    const hit = this.installations.get(organizationId);
    if (hit && Date.now() - hit.at < INSTALLATION_CACHE_MS) {
      return hit.active;
    }
    const installation = await this.repository.findByOrganization(organizationId);
    const active = !!installation && installation.status !== 'uninstalled';
    if (this.installations.size > 10_000) {
      this.installations.clear();
    }
    this.installations.set(organizationId, { at: Date.now(), active });
    return active;
  }

  async accept(
    webhook: LiveChatWebhook,
    raw: JsonObject,
    correlationId: string,
    acceptedAt: number,
  ): Promise<LiveChatIntakeOutcome> {
    const chatId = chatIdOf(webhook);
    if (!chatId) {
      return 'ignored_action';
    }
    if (!(await this.isActive(webhook.organizationId))) {
      return 'ignored_installation';
    }
    const jobId = jobIds.livechatEvent(
      webhook.organizationId,
      webhook.action,
      dedupeKey(webhook, chatId),
    );
    const eventTime =
      webhook.action === 'incoming_event' && webhook.payload.event.createdAt
        ? Date.parse(webhook.payload.event.createdAt)
        : NaN;
    const conversation = ConversationOrder.livechat(webhook.organizationId, chatId);
    this.order ??= new ConversationOrder(
      this.producer.queue(QueueName.LIVECHAT_INBOUND).client,
      this.env.REDIS_KEY_PREFIX,
    );
    await this.order.addAll([
      {
        id: jobId,
        conversation,
        score: ConversationOrder.score(Number.isFinite(eventTime) ? eventTime : acceptedAt, 0),
      },
    ]);
    const { secret_key: _secret, ...withoutSecret } = raw;
    await this.producer.add(
      QueueName.LIVECHAT_INBOUND,
      {
        correlationId,
        acceptedAt,
        organizationId: webhook.organizationId,
        action: webhook.action,
        chatId,
        body: withoutSecret,
      },
      { ...ORDERED_JOB_OPTIONS, jobId },
    );
    this.metrics.webhookItems.inc({ source: 'livechat', kind: webhook.action, action: 'queued' });
    return 'queued';
  }
}
