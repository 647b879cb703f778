import { Inject, Injectable } from '@nestjs/common';
import { CREDENTIALS_OPTIONS, CREDENTIALS_REDIS, CredentialsOptions } from '@app/credentials';
import { InstagramMessageContent } from '@app/meta-graph';
import { ConversationOrder } from '@app/queues';
import type { Redis } from 'ioredis';
import { createHmac, hkdfSync } from 'node:crypto';
import { redisKeys } from '@app/queues';
import { RelayWorkerEnv } from '../config/relay-worker.env';

/** How long an echo of ours is remembered: long enough for any retry of the send to ask. */
const TTL_MS = 10 * 60_000;
const KEEP = 50;

interface Evidence {
  mid: string;
  fp: string;
  at: number;
}

/**
 * Echoes Meta sent back for our own replies, remembered briefly as (message id, keyed
 * fingerprint of the content) — never the content. A reply whose send may have reached Instagram
 * without us recording it (a crash, or a timeout after Meta took it) is settled with this
 * evidence instead of being sent twice.
 */
@Injectable()
export class EchoEvidenceService {
  private readonly key: Buffer;

  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
    env: RelayWorkerEnv,
  ) {
    // A key of its own, derived from the deployment's secret: fingerprints cannot be reversed by
    // guessing short texts without it.
    this.key = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.from(env.TOKEN_ENCRYPTION_KEY, 'base64'),
        Buffer.alloc(0),
        'echo-fingerprint',
        32,
      ),
    );
  }

  /** Text is compared as sent; attachments only by type (Meta echoes its own CDN URL). */
  fingerprint(part: { kind: 'text'; text: string } | { kind: 'attachment'; type: string }): string {
    const material = part.kind === 'text' ? `t:${part.text.trim()}` : `a:${part.type}`;
    return createHmac('sha256', this.key).update(material).digest('base64url').slice(0, 22);
  }

  fingerprintOfEcho(content: InstagramMessageContent): string | undefined {
    switch (content.kind) {
      case 'text':
        return this.fingerprint({ kind: 'text', text: content.text });
      case 'quick_reply':
        return this.fingerprint({ kind: 'text', text: content.text });
      case 'attachments': {
        const first = content.attachments[0];
        return first ? this.fingerprint({ kind: 'attachment', type: first.type }) : undefined;
      }
      default:
        return undefined;
    }
  }

  private listKey(instagramAccountId: string, igsid: string): string {
    return redisKeys.echoes(this.options.redisPrefix, instagramAccountId, igsid);
  }

  async record(
    instagramAccountId: string,
    igsid: string,
    mid: string,
    fp: string,
    at = Date.now(),
  ): Promise<void> {
    const key = this.listKey(instagramAccountId, igsid);
    const entry: Evidence = { mid, fp, at };
    await this.redis
      .multi()
      .lpush(key, JSON.stringify(entry))
      .ltrim(key, 0, KEEP - 1)
      .pexpire(key, TTL_MS)
      .exec();
  }

  /**
   * Whether echoes of ours to this user were accepted by the gateway and are still queued (their
   * own-echo lane, indexed before they are enqueued): under a backlog they are recorded long
   * after Meta sent them, and one of them may be the evidence a pending send waits for.
   */
  async queued(instagramAccountId: string, igsid: string): Promise<boolean> {
    const order = new ConversationOrder(this.redis, this.options.redisPrefix);
    return (
      (await order.pending(ConversationOrder.instagram(instagramAccountId, igsid, 'own-echo'))) > 0
    );
  }

  /** Ids of echoes of ours with this fingerprint seen since `sinceMs`, oldest first. */
  async find(
    instagramAccountId: string,
    igsid: string,
    fp: string,
    sinceMs: number,
  ): Promise<string[]> {
    const entries = await this.redis.lrange(this.listKey(instagramAccountId, igsid), 0, -1);
    return entries
      .reverse()
      .map((raw) => JSON.parse(raw) as Evidence)
      .filter((entry) => entry.fp === fp && entry.at >= sinceMs)
      .map((entry) => entry.mid);
  }
}
