import { Inject, Injectable } from '@nestjs/common';
import { CREDENTIALS_OPTIONS, CREDENTIALS_REDIS, CredentialsOptions } from '@app/credentials';
import type { Redis } from 'ioredis';
import { redisKeys } from '@app/queues';

/** Long enough for any send (bounded by UPSTREAM_TIMEOUT_MS); a crash leaves it no longer. */
const MARK_TTL_MS = 30_000;

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

  /** The mark as a key and lifetime, for a caller that sets it with other commands (one trip). */
  markOf(instagramAccountId: string, igsid: string): { key: string; ttlMs: number } {
    return { key: this.key(instagramAccountId, igsid), ttlMs: MARK_TTL_MS };
  }

  async mark(instagramAccountId: string, igsid: string): Promise<void> {
    await this.redis.set(this.key(instagramAccountId, igsid), '1', 'PX', MARK_TTL_MS);
  }

  async clear(instagramAccountId: string, igsid: string): Promise<void> {
    await this.redis.del(this.key(instagramAccountId, igsid));
  }

  async isSending(instagramAccountId: string, igsid: string): Promise<boolean> {
    return (await this.redis.exists(this.key(instagramAccountId, igsid))) === 1;
  }
}
