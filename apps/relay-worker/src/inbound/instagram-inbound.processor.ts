import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  ConversationOrder,
  InstagramInboundJob,
  openInstagramInbound,
  OrderedItem,
  PayloadCipher,
  QueueName,
  withoutContent,
} from '@app/queues';
import { Job, Queue } from 'bull';
import { OrderedRelayJobs } from '../ordering/ordered-relay-jobs';
import { InboundRelayService } from './inbound-relay.service';

/** Consumes instagram-inbound: one Instagram item per job, in order per conversation. */
@Injectable()
export class InstagramInboundProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstagramInboundProcessor.name);

  constructor(
    @InjectQueue(QueueName.INSTAGRAM_INBOUND) private readonly queue: Queue<InstagramInboundJob>,
    private readonly relay: InboundRelayService,
    private readonly jobs: OrderedRelayJobs,
    private readonly cipher: PayloadCipher,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.start(
      this.queue,
      QueueName.INSTAGRAM_INBOUND,
      this.logger,
      (job) => this.itemOf(job),
      (job) => this.run(job),
    );
  }

  private itemOf(job: Job<InstagramInboundJob>): OrderedItem<InstagramInboundJob> {
    return {
      conversation: ConversationOrder.instagram(
        job.data.instagramAccountId,
        job.data.igsid,
        job.data.lane,
      ),
      score: ConversationOrder.score(job.data.timestamp, job.data.position),
      withoutContent,
    };
  }

  /** Opened here, in the worker that delivers it, and only for the run. */
  private run(job: Job<InstagramInboundJob>): Promise<string> {
    return this.relay.relay(openInstagramInbound(this.cipher, job.id, job.data));
  }
}
