import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { QueueName, RetentionSweepJob, runJobs } from '@app/queues';
import { Queue } from 'bull';
import { RetentionService } from './retention.service';

@Injectable()
export class RetentionSweepProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionSweepProcessor.name);

  constructor(
    @InjectQueue(QueueName.RETENTION_SWEEP) private readonly queue: Queue<RetentionSweepJob>,
    private readonly service: RetentionService,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.RETENTION_SWEEP,
        concurrency: 1,
        metrics: this.metrics,
        logger: this.logger,
      },
      async (job) => {
        const result = await this.service.sweep(job.data.sweep);
        this.logger.log({ msg: 'retention sweep done', sweep: job.data.sweep, ...result });
        return 'completed';
      },
    );
  }
}
