import { Injectable, Logger } from '@nestjs/common';
import { EchoEvidenceService } from '@app/credentials';
import { conversationKeyOf, InstagramWebhookEntry } from '@app/meta-graph';
import { Metrics } from '@app/platform';
import {
  BulkJob,
  CappedListPush,
  ConversationOrder,
  InstagramInboundJob,
  JobProducer,
  jobIds,
  OrderedEnqueue,
  OrderedJob,
  PayloadCipher,
  QueueName,
} from '@app/queues';
import { GatewayEnv } from '../../config/gateway.env';
import { instagramItemKey } from './instagram-item-key.util';

export interface IntakeResult {
  queued: number;
  deletes: number;
  ignored: number;
  /** Echoes of our own sends: recorded as evidence, not queued. */
  ownEchoes: number;
}

/**
 * Turns a verified Instagram webhook into jobs: one per messaging item, with deterministic ids,
 * indexed per conversation for ordered delivery. Echoes of our own sends become no job: their
 * evidence (EchoEvidenceService) is written with the jobs. No database, no platform call: Meta
 * is waiting.
 */
@Injectable()
export class InstagramIntakeService {
  private readonly logger = new Logger(InstagramIntakeService.name);
  private enqueue?: OrderedEnqueue<QueueName.INSTAGRAM_INBOUND>;

  constructor(
    private readonly producer: JobProducer,
    private readonly metrics: Metrics,
    private readonly env: GatewayEnv,
    private readonly cipher: PayloadCipher,
    private readonly echoes: EchoEvidenceService,
  ) {}

  private ordered(): OrderedEnqueue<QueueName.INSTAGRAM_INBOUND> {
    this.enqueue ??= new OrderedEnqueue(
      this.producer.queue(QueueName.INSTAGRAM_INBOUND),
      this.env.REDIS_KEY_PREFIX,
    );
    return this.enqueue;
  }

  async accept(
    entries: InstagramWebhookEntry[],
    correlationId: string,
    acceptedAt: number,
  ): Promise<IntakeResult> {
    const inbound: OrderedJob<QueueName.INSTAGRAM_INBOUND>[] = [];
    const deletes: BulkJob<QueueName.INSTAGRAM_MESSAGE_DELETE>[] = [];
    const evidence: CappedListPush[] = [];
    let ignored = 0;
    let ownEchoes = 0;
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
        if (
          item.kind === 'echo' &&
          item.appId !== undefined &&
          (item.appId === this.env.META_APP_ID || item.appId === this.env.META_INSTAGRAM_APP_ID)
        ) {
          // Our own send (Page or Instagram Login app): never shown, only remembered as evidence
          // for a send whose outcome we could not record. Keyed fingerprint only, no content.
          const entry = this.echoes.entryOfEcho(accountId, customerId, item);
          if (entry) {
            evidence.push(entry);
          }
          ownEchoes += 1;
          this.metrics.webhookItems.inc({ source: 'instagram', kind: 'echo', action: 'recorded' });
          continue;
        }
        const itemKey = instagramItemKey(item);
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
        };
        inbound.push({
          id: jobId,
          data,
          conversation: ConversationOrder.instagram(accountId, customerId),
          score: ConversationOrder.score(item.timestamp, position),
        });
        this.metrics.webhookItems.inc({ source: 'instagram', kind: item.kind, action: 'queued' });
      }
    }

    // Every item's order entry and job, and our echoes' evidence, in one script (one round trip,
    // applied atomically, so a job never starts before its conversation knows of it); answered
    // 200 only once it ran. Deletes have a queue of their own and need no order.
    await Promise.all([
      this.ordered().add(inbound, evidence),
      deletes.length > 0
        ? this.producer.addMany(QueueName.INSTAGRAM_MESSAGE_DELETE, deletes)
        : undefined,
    ]);
    this.logger.debug({
      msg: 'instagram webhook queued',
      correlationId,
      queued: inbound.length,
      deletes: deletes.length,
      ignored,
      ownEchoes,
    });
    return { queued: inbound.length, deletes: deletes.length, ignored, ownEchoes };
  }
}
