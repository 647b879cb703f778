import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CREDENTIALS_OPTIONS, CREDENTIALS_REDIS, CredentialsOptions } from '@app/credentials';
import { relayChatProperties, LiveChatProperties } from '@app/livechat-sdk';
import { ConversationRepository } from '@app/persistence';
import { OWN_CHAT_TTL_SECONDS, OwnChats } from '@app/queues';
import type { Redis } from 'ioredis';
import { RelayWorkerEnv } from '../config/relay-worker.env';

const BACKFILL_PAGE = 1_000;
/**
 * A chat this process wrote within this long is not written again: its key lives 30 days, so a
 * busy chat costs one Redis write per ten minutes instead of one per message.
 */
const REWRITE_AFTER_MS = 10 * 60_000;
const WRITTEN_MAX = 50_000;

/**
 * How the gateway knows a LiveChat chat is ours without a database read: the chat property our
 * relay sets at start_chat / resume_chat (carried by webhooks registered with
 * `additional_data: ["chat_properties"]`), and, for chats that do not carry it (started before
 * it existed) or webhooks registered without chat_properties, a Redis key per chat (OwnChats)
 * written when we deliver into the chat (again at most every ten minutes per process) and, at
 * boot, for every chat whose customer wrote within the key's lifetime.
 */
@Injectable()
export class OwnChatRegistry implements OnApplicationBootstrap {
  private readonly logger = new Logger(OwnChatRegistry.name);
  private readonly chats: OwnChats;
  private readonly written = new Map<string, number>();
  readonly properties: LiveChatProperties;

  constructor(
    @Inject(CREDENTIALS_REDIS) redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) options: CredentialsOptions,
    private readonly conversations: ConversationRepository,
    env: RelayWorkerEnv,
  ) {
    this.chats = new OwnChats(redis, options.redisPrefix);
    this.properties = relayChatProperties(env.LIVECHAT_CLIENT_ID);
  }

  async remember(organizationId: string, chatId: string, now = Date.now()): Promise<void> {
    const key = `${organizationId}:${chatId}`;
    const last = this.written.get(key);
    if (last !== undefined && now - last < REWRITE_AFTER_MS) {
      return;
    }
    await this.chats.remember([{ organizationId, chatId }]);
    if (this.written.size >= WRITTEN_MAX) {
      this.written.clear();
    }
    this.written.set(key, now);
  }

  onApplicationBootstrap(): void {
    // In the background: a worker starts consuming at once; the gateway meanwhile still accepts
    // every chat carrying our property.
    void this.backfill().catch((error: unknown) =>
      this.logger.warn({
        msg: 'recording recent chats as ours failed',
        reason: error instanceof Error ? error.name : 'unknown',
      }),
    );
  }

  private async backfill(): Promise<void> {
    const since = new Date(Date.now() - OWN_CHAT_TTL_SECONDS * 1_000);
    let after: string | null = null;
    let recorded = 0;
    for (;;) {
      const page = await this.conversations.recentChats(since, after, BACKFILL_PAGE);
      await this.chats.remember(page);
      recorded += page.length;
      if (page.length < BACKFILL_PAGE) {
        break;
      }
      after = page[page.length - 1]?.id ?? null;
    }
    this.logger.log({ msg: 'recent chats recorded as ours', chats: recorded });
  }
}
