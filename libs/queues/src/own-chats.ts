import type { Redis } from 'ioredis';
import { redisKeys } from './redis-keys';

/** A chat recorded as ours stays so this long after our last message into it. */
export const OWN_CHAT_TTL_SECONDS = 30 * 86_400;

/**
 * LiveChat chats our relay started or writes into, as Redis keys (`<prefix>:lcchat:<org>:<chat>`,
 * ids only, expiring). The gateway's second test of "is this chat ours" when a webhook does not
 * carry our chat property: chats started before the property existed, and webhooks registered
 * without `additional_data: ["chat_properties"]`. One EXISTS, never a database read.
 */
export class OwnChats {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(organizationId: string, chatId: string): string {
    return redisKeys.ownChat(this.prefix, organizationId, chatId);
  }

  async has(organizationId: string, chatId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(organizationId, chatId))) === 1;
  }

  async remember(chats: ReadonlyArray<{ organizationId: string; chatId: string }>): Promise<void> {
    if (chats.length === 0) {
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const chat of chats) {
      pipeline.set(this.key(chat.organizationId, chat.chatId), '1', 'EX', OWN_CHAT_TTL_SECONDS);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed?.[0]) {
      throw failed[0];
    }
  }
}
