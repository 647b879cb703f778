import { Inject, Injectable } from '@nestjs/common';
import { InstagramMessageContent } from '@app/meta-graph';
import { CappedListPush, ConversationOrder, redisKeys } from '@app/queues';
import type { Redis } from 'ioredis';
import { createHmac, hkdfSync } from 'node:crypto';
import {
  CREDENTIALS_OPTIONS,
  CREDENTIALS_REDIS,
  CredentialsOptions,
} from './credentials-redis.provider';

/** How long an echo of ours is remembered: long enough for any retry of the send to ask. */
const TTL_MS = 10 * 60_000;
const KEEP = 50;

/** One stored entry. Persisted (gateway writes, workers read): its shape never changes. */
interface Evidence {
  mid: string;
  fp: string;
  at: number;
}

/**
 * Echoes Meta sent back for our own replies, remembered briefly as (message id, keyed
 * fingerprint of the content) — never the content. A reply whose send may have reached Instagram
 * without us recording it (a crash, or a timeout after Meta took it) is settled with this
 * evidence instead of being sent twice. The gateway records it as the echo arrives; relay workers
 * record it for echo jobs an older gateway queued, and read it.
 */
@Injectable()
export class EchoEvidenceService {
  private readonly key: Buffer;

  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
  ) {
    // A key of its own, derived from the deployment's secret: fingerprints cannot be reversed by
    // guessing short texts without it. Every process derives the same one (rolling deploys).
    this.key = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.from(options.tokenEncryptionKey, 'base64'),
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

  /**
   * The write that records an echo of ours, for a caller that batches it with other writes (the
   * gateway, with its enqueue); undefined when the echo has nothing to compare (no fingerprint).
   */
  entryOfEcho(
    instagramAccountId: string,
    igsid: string,
    echo: { mid: string; timestamp: number; content: InstagramMessageContent },
  ): CappedListPush | undefined {
    const fp = this.fingerprintOfEcho(echo.content);
    return fp ? this.entry(instagramAccountId, igsid, echo.mid, fp, echo.timestamp) : undefined;
  }

  private entry(
    instagramAccountId: string,
    igsid: string,
    mid: string,
    fp: string,
    at: number,
  ): CappedListPush {
    const evidence: Evidence = { mid, fp, at };
    return {
      key: this.listKey(instagramAccountId, igsid),
      value: JSON.stringify(evidence),
      keep: KEEP,
      ttlMs: TTL_MS,
    };
  }

  async record(
    instagramAccountId: string,
    igsid: string,
    mid: string,
    fp: string,
    at = Date.now(),
  ): Promise<void> {
    const { key, value, keep, ttlMs } = this.entry(instagramAccountId, igsid, mid, fp, at);
    await this.redis
      .multi()
      .lpush(key, value)
      .ltrim(key, 0, keep - 1)
      .pexpire(key, ttlMs)
      .exec();
  }

  /**
   * Whether echoes of ours to this user were accepted by an older gateway and are still queued
   * (their own-echo lane, indexed before they are enqueued): under a backlog they are recorded
   * long after Meta sent them, and one of them may be the evidence a pending send waits for.
   * Current gateways record echoes before answering Meta and queue none, so this lane empties
   * once the jobs of a previous release have drained; it stays for a rolling deploy.
   */
  async queued(instagramAccountId: string, igsid: string): Promise<boolean> {
    const order = new ConversationOrder(this.redis, this.options.redisPrefix);
    return (
      (await order.pending(ConversationOrder.instagram(instagramAccountId, igsid, 'own-echo'))) > 0
    );
  }

  /** Ids of echoes of ours with this fingerprint seen since `sinceMs`, oldest first, once each. */
  async find(
    instagramAccountId: string,
    igsid: string,
    fp: string,
    sinceMs: number,
  ): Promise<string[]> {
    const entries = await this.redis.lrange(this.listKey(instagramAccountId, igsid), 0, -1);
    const mids = entries
      .reverse()
      .map((raw) => JSON.parse(raw) as Evidence)
      .filter((entry) => entry.fp === fp && entry.at >= sinceMs)
      .map((entry) => entry.mid);
    // A redelivered echo webhook (Meta retries what it saw no 200 for) records its echo again.
    return [...new Set(mids)];
  }
}
