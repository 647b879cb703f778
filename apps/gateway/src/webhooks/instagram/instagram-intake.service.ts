import { Injectable, Logger } from '@nestjs/common';
import { conversationKeyOf, InstagramWebhookEntry } from '@app/meta-graph';
import { Metrics } from '@app/platform';
import {
  BulkJob,
  ConversationOrder,
  InstagramInboundJob,
  JobProducer,
  jobIds,
  ORDERED_JOB_OPTIONS,
  PayloadCipher,
  QueueName,
} from '@app/queues';
import { GatewayEnv } from '../../config/gateway.env';
import { instagramItemKey } from './instagram-item-key.util';

export interface IntakeResult {
  queued: number;
  deletes: number;
  ignored: number;
}

/**
 * Turns a verified Instagram webhook into jobs: one per messaging item, with deterministic ids,
 * indexed per conversation for ordered delivery. No database, no platform call: Meta is waiting.
 */
@Injectable()
export class InstagramIntakeService {
  private readonly logger = new Logger(InstagramIntakeService.name);
  private order?: ConversationOrder;

  constructor(
    private readonly producer: JobProducer,
    private readonly metrics: Metrics,
    private readonly env: GatewayEnv,
    private readonly cipher: PayloadCipher,
  ) {}

  private orderIndex(): ConversationOrder {
    this.order ??= new ConversationOrder(
      this.producer.queue(QueueName.INSTAGRAM_INBOUND).client,
      this.env.REDIS_KEY_PREFIX,
    );
    return this.order;
  }

  async accept(
    entries: InstagramWebhookEntry[],
    correlationId: string,
    acceptedAt: number,
  ): Promise<IntakeResult> {
    const inbound: Array<BulkJob<QueueName.INSTAGRAM_INBOUND> & { opts: { jobId: string } }> = [];
    const deletes: BulkJob<QueueName.INSTAGRAM_MESSAGE_DELETE>[] = [];
    let ignored = 0;
    let position = 0;

    for (const entry of entries) {
      for (const item of entry.items) {
        position += 1;
        const { businessAccountId, customerId } = conversationKeyOf(item);
        const accountId = businessAccountId || entry.id;
        if (item.kind === 'deleted') {
          deletes.push({
            data: {
              correlationId,
              acceptedAt,
              instagramAccountId: accountId,
              igsid: customerId,
              instagramMessageId: item.mid,
            },
            opts: { jobId: jobIds.instagramDelete(accountId, item.mid) },
          });
          this.metrics.webhookItems.inc({ source: 'instagram', kind: item.kind, action: 'queued' });
          continue;
        }
        if (item.kind === 'unknown' && !item.mid) {
          // Optins, handover and other events with no message: nothing an agent needs to see.
          ignored += 1;
          this.metrics.webhookItems.inc({
            source: 'instagram',
            kind: 'unknown',
            action: 'ignored',
          });
          continue;
        }
        const itemKey = instagramItemKey(item);
        const ownEcho =
          item.kind === 'echo' &&
          item.appId !== undefined &&
          (item.appId === this.env.META_APP_ID || item.appId === this.env.META_INSTAGRAM_APP_ID);
        const jobId = jobIds.instagramItem(accountId, itemKey);
        const data: InstagramInboundJob = {
          correlationId,
          acceptedAt,
          instagramAccountId: accountId,
          igsid: customerId,
          itemKey,
          timestamp: item.timestamp,
          position,
          // Text, captions and media URLs: sealed before they reach Redis (one AES-GCM).
          sealedItem: this.cipher.seal(
            item.raw,
            PayloadCipher.context(QueueName.INSTAGRAM_INBOUND, jobId),
          ),
          ...(ownEcho ? { lane: 'own-echo' as const } : {}),
        };
        inbound.push({ data, opts: { ...ORDERED_JOB_OPTIONS, jobId } });
        this.metrics.webhookItems.inc({ source: 'instagram', kind: item.kind, action: 'queued' });
      }
    }

    // Index, then enqueue, in one round trip: the index and the jobs go over the same Redis
    // connection (the queue's), issued in that order and auto-pipelined into one write, so a job
    // never starts before its conversation knows of it. (A worker also indexes its own job if it
    // ever finds it missing.) Deletes have a queue of their own and need no order.
    await Promise.all([
      this.orderIndex().addAll(
        inbound.map((job) => ({
          id: job.opts.jobId,
          conversation: ConversationOrder.instagram(
            job.data.instagramAccountId,
            job.data.igsid,
            job.data.lane,
          ),
          score: ConversationOrder.score(job.data.timestamp, job.data.position),
        })),
      ),
      this.producer.addMany(QueueName.INSTAGRAM_INBOUND, inbound),
      this.producer.addMany(QueueName.INSTAGRAM_MESSAGE_DELETE, deletes),
    ]);
    this.logger.debug({
      msg: 'instagram webhook queued',
      correlationId,
      queued: inbound.length,
      deletes: deletes.length,
      ignored,
    });
    return { queued: inbound.length, deletes: deletes.length, ignored };
  }
}
