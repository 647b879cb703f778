import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { QueueName, TokenHealthJob } from '@app/queues';
import { Queue } from 'bull';
import { consume } from '../common/job-runner.util';
import { TokenHealthService } from './token-health.service';

@Injectable()
export class TokenHealthProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(TokenHealthProcessor.name);

  constructor(
    @InjectQueue(QueueName.TOKEN_HEALTH) private readonly queue: Queue<TokenHealthJob>,
    private readonly service: TokenHealthService,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    consume(
      this.queue,
      QueueName.TOKEN_HEALTH,
      1,
      { metrics: this.metrics, logger: this.logger },
      async (job) => {
        const result = await this.service.check(job.data.check);
        this.logger.log({ msg: 'token health check done', check: job.data.check, ...result });
        return 'completed';
      },
    );
  }
}
