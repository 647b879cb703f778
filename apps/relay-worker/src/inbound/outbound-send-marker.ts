import { Inject, Injectable } from '@nestjs/common';
import { CREDENTIALS_OPTIONS, CREDENTIALS_REDIS, CredentialsOptions } from '@app/credentials';
import type { Redis } from 'ioredis';
import { redisKeys } from '@app/queues';

/**
 * Set while a reply to an Instagram user is being sent and its message id not yet recorded, so
 * the echo Meta sends back meanwhile waits instead of showing up in LiveChat as a new message.
 */
@Injectable()
export class OutboundSendMarker {
  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
  ) {}

  private key(instagramAccountId: string, igsid: string): string {
    return redisKeys.sending(this.options.redisPrefix, instagramAccountId, igsid);
  }

  async mark(instagramAccountId: string, igsid: string): Promise<void> {
    await this.redis.set(this.key(instagramAccountId, igsid), '1', 'PX', 30_000);
  }

  async clear(instagramAccountId: string, igsid: string): Promise<void> {
    await this.redis.del(this.key(instagramAccountId, igsid));
  }

  async isSending(instagramAccountId: string, igsid: string): Promise<boolean> {
    return (await this.redis.exists(this.key(instagramAccountId, igsid))) === 1;
  }
}
