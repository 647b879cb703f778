import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  ConversationOrder,
  LiveChatInboundJob,
  openLiveChatInbound,
  OrderedItem,
  PayloadCipher,
  QueueName,
  withoutContent,
} from '@app/queues';
import { Job, Queue } from 'bull';
import { OrderedRelayJobs } from '../ordering/ordered-relay-jobs';
import { OutboundRelayService } from './outbound-relay.service';

function scoreOf(job: LiveChatInboundJob): number {
  if (job.eventAt !== undefined) {
    return ConversationOrder.score(job.eventAt, 0);
  }
  // Jobs queued before eventAt existed carry their body in plaintext.
  const event = (job.body?.payload as { event?: { created_at?: unknown } } | undefined)?.event;
  const at = typeof event?.created_at === 'string' ? Date.parse(event.created_at) : NaN;
  return ConversationOrder.score(Number.isFinite(at) ? at : job.acceptedAt, 0);
}

/** Consumes livechat-inbound: one chat webhook per job, in order per chat. */
@Injectable()
export class LiveChatInboundProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(LiveChatInboundProcessor.name);

  constructor(
    @InjectQueue(QueueName.LIVECHAT_INBOUND) private readonly queue: Queue<LiveChatInboundJob>,
    private readonly relay: OutboundRelayService,
    private readonly jobs: OrderedRelayJobs,
    private readonly cipher: PayloadCipher,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.start(
      this.queue,
      QueueName.LIVECHAT_INBOUND,
      this.logger,
      (job) => this.itemOf(job),
      (job) => this.run(job),
    );
  }

  private itemOf(job: Job<LiveChatInboundJob>): OrderedItem<LiveChatInboundJob> {
    return {
      conversation: ConversationOrder.livechat(job.data.organizationId, job.data.chatId),
      score: scoreOf(job.data),
      onGiveUp: (error) =>
        this.relay.giveUp(openLiveChatInbound(this.cipher, job.id, job.data), error),
      withoutContent,
    };
  }

  /** Opened here, in the worker that delivers it, and only for the run. */
  private run(job: Job<LiveChatInboundJob>): Promise<string> {
    return this.relay.relay(openLiveChatInbound(this.cipher, job.id, job.data));
  }
}
