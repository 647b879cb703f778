import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { QueueName, runJobs, TokenRevocationJob } from '@app/queues';
import { Queue } from 'bull';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';
import { TokenRevocationService } from './token-revocation.service';

@Injectable()
export class TokenRevocationProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(TokenRevocationProcessor.name);

  constructor(
    @InjectQueue(QueueName.TOKEN_REVOCATION) private readonly queue: Queue<TokenRevocationJob>,
    private readonly service: TokenRevocationService,
    private readonly metrics: Metrics,
    private readonly env: CleanupWorkerEnv,
  ) {}

  onApplicationBootstrap(): void {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.TOKEN_REVOCATION,
        concurrency: this.env.CLEANUP_CONCURRENCY,
        metrics: this.metrics,
        logger: this.logger,
      },
      (job) =>
        this.service.handle(job.data, {
          attemptsMade: job.attemptsMade,
          attempts: job.opts.attempts ?? 1,
        }),
    );
  }
}
