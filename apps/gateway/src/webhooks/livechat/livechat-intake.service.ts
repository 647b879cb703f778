import { Injectable } from '@nestjs/common';
import { isRelayChat, LiveChatProperties, LiveChatWebhook } from '@app/livechat-sdk';
import { InstallationRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import {
  ConversationOrder,
  JobProducer,
  jobIds,
  JsonObject,
  OrderedEnqueue,
  OwnChats,
  PayloadCipher,
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

/** The chat's properties as the webhook carries them (chat_properties, or the chat itself). */
function chatPropertiesOf(webhook: LiveChatWebhook): LiveChatProperties | undefined {
  if (webhook.action === 'incoming_chat') {
    return webhook.payload.chat.properties ?? webhook.additionalData?.chatProperties;
  }
  return webhook.additionalData?.chatProperties;
}

export type LiveChatIntakeOutcome =
  'queued' | 'ignored_installation' | 'ignored_action' | 'ignored_chat';

/**
 * Verified LiveChat chat webhook → one job per event, ordered per chat. Looks the organization up
 * (briefly cached) so webhooks of organizations without an active installation stop here, and
 * drops events of chats that are not ours (the license's website chats) before anything is
 * queued: ours carry our chat property, or were recorded as ours by the relay (OwnChats).
 */
@Injectable()
export class LiveChatIntakeService {
  private readonly installations = new Map<string, { at: number; active: boolean }>();
  private enqueue?: OrderedEnqueue<QueueName.LIVECHAT_INBOUND>;
  private ownChats?: OwnChats;

  constructor(
    private readonly repository: InstallationRepository,
    private readonly producer: JobProducer,
    private readonly metrics: Metrics,
    private readonly env: GatewayEnv,
    private readonly cipher: PayloadCipher,
  ) {}

  /**
   * Ours: the chat carries our property (set by the relay at start_chat / resume_chat; LiveChat
   * sends it with `additional_data: ["chat_properties"]`), or the relay recorded it as ours (chats
   * started before the property, webhooks registered without chat_properties): one EXISTS.
   */
  private async isOurChat(webhook: LiveChatWebhook, chatId: string): Promise<boolean> {
    if (isRelayChat(chatPropertiesOf(webhook), this.env.LIVECHAT_CLIENT_ID)) {
      return true;
    }
    this.ownChats ??= new OwnChats(
      this.producer.queue(QueueName.LIVECHAT_INBOUND).client,
      this.env.REDIS_KEY_PREFIX,
    );
    return this.ownChats.has(webhook.organizationId, chatId);
  }

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
    if (!(await this.isOurChat(webhook, chatId))) {
      this.metrics.webhookItems.inc({
        source: 'livechat',
        kind: webhook.action,
        action: 'ignored_chat',
      });
      return 'ignored_chat';
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
    const eventAt = Number.isFinite(eventTime) ? eventTime : acceptedAt;
    const conversation = ConversationOrder.livechat(webhook.organizationId, chatId);
    this.enqueue ??= new OrderedEnqueue(
      this.producer.queue(QueueName.LIVECHAT_INBOUND),
      this.env.REDIS_KEY_PREFIX,
    );
    const { secret_key: _secret, ...withoutSecret } = raw;
    // The job and its place in the chat's order in one round trip (one script, atomic).
    await this.enqueue.add([
      {
        id: jobId,
        conversation,
        score: ConversationOrder.score(eventAt, 0),
        data: {
          correlationId,
          acceptedAt,
          organizationId: webhook.organizationId,
          action: webhook.action,
          chatId,
          eventAt,
          // Agent replies hold text and file URLs: sealed before they reach Redis.
          sealedBody: this.cipher.seal(
            withoutSecret,
            PayloadCipher.context(QueueName.LIVECHAT_INBOUND, jobId),
          ),
        },
      },
    ]);
    this.metrics.webhookItems.inc({ source: 'livechat', kind: webhook.action, action: 'queued' });
    return 'queued';
  }
}
