import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  CREDENTIALS_OPTIONS,
  CREDENTIALS_REDIS,
  ConnectionSignals,
  CredentialsOptions,
} from '@app/credentials';
import { Metrics } from '@app/platform';
import {
  ConversationOrder,
  InstagramInboundJob,
  openInstagramInbound,
  OrderedItem,
  PayloadCipher,
  QueueName,
  runJobs,
  withoutContent,
} from '@app/queues';
import { Job, Queue } from 'bull';
import type { Redis } from 'ioredis';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import { holdFor } from '../ordering/hold-for';
import { InboundRelayService } from './inbound-relay.service';

/** Consumes instagram-inbound: one Instagram item per job, in order per conversation. */
@Injectable()
export class InstagramInboundProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstagramInboundProcessor.name);

  constructor(
    @InjectQueue(QueueName.INSTAGRAM_INBOUND) private readonly queue: Queue<InstagramInboundJob>,
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
    private readonly relay: InboundRelayService,
    private readonly metrics: Metrics,
    private readonly env: RelayWorkerEnv,
    private readonly signals: ConnectionSignals,
    private readonly cipher: PayloadCipher,
  ) {}

  onApplicationBootstrap(): void {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.INSTAGRAM_INBOUND,
        concurrency: this.env.RELAY_CONCURRENCY,
        metrics: this.metrics,
        logger: this.logger,
        ordered: {
          redis: this.redis,
          prefix: this.options.redisPrefix,
          holdFor: holdFor(this.signals),
          itemOf: (job) => this.itemOf(job),
        },
      },
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
