import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
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
  PayloadCipher,
  QueueName,
  consumeQueue,
  withoutContent,
} from '@app/queues';
import { Job, Queue } from 'bull';
import type { Redis } from 'ioredis';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import { OrderedJobRunner } from '../ordering/ordered-job-runner';
import { InboundRelayService } from './inbound-relay.service';

/** Consumes instagram-inbound: one Instagram item per job, in order per conversation. */
@Injectable()
export class InstagramInboundProcessor implements OnApplicationBootstrap {
  private readonly runner: OrderedJobRunner;

  constructor(
    @InjectQueue(QueueName.INSTAGRAM_INBOUND) private readonly queue: Queue<InstagramInboundJob>,
    @Inject(CREDENTIALS_REDIS) redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) options: CredentialsOptions,
    private readonly relay: InboundRelayService,
    metrics: Metrics,
    private readonly env: RelayWorkerEnv,
    signals: ConnectionSignals,
    private readonly cipher: PayloadCipher,
  ) {
    this.runner = new OrderedJobRunner(
      QueueName.INSTAGRAM_INBOUND,
      queue,
      redis,
      options.redisPrefix,
      metrics,
      signals,
    );
  }

  onApplicationBootstrap(): void {
    consumeQueue(this.queue, this.env.RELAY_CONCURRENCY, (job: Job<InstagramInboundJob>) =>
      this.handle(job),
    );
  }

  handle(job: Job<InstagramInboundJob>): Promise<string> {
    return this.runner.execute({
      job,
      conversation: ConversationOrder.instagram(
        job.data.instagramAccountId,
        job.data.igsid,
        job.data.lane,
      ),
      score: ConversationOrder.score(job.data.timestamp, job.data.position),
      // Opened here, in the worker that delivers it, and only for the run.
      run: () => this.relay.relay(openInstagramInbound(this.cipher, job.id, job.data)),
      withoutContent,
    });
  }
}
