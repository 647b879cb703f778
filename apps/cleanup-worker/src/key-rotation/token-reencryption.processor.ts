import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { cleanupJobIds, QueueName, runJobs, TokenReencryptionJob } from '@app/queues';
import { Queue } from 'bull';
import { TokenReencryptionService } from './token-reencryption.service';

const DAY_MS = 86_400_000;

/**
 * Runs the re-encryption once when a cleanup worker starts (a deploy that moved a key to
 * TOKEN_ENCRYPTION_PREVIOUS_KEYS restarts every process, so rotation starts at once) and daily
 * after that, as a Bull repeatable with a fixed id (one schedule however many workers run).
 */
@Injectable()
export class TokenReencryptionProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(TokenReencryptionProcessor.name);

  constructor(
    @InjectQueue(QueueName.TOKEN_REENCRYPTION)
    private readonly queue: Queue<TokenReencryptionJob>,
    private readonly service: TokenReencryptionService,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.TOKEN_REENCRYPTION,
        concurrency: 1,
        metrics: this.metrics,
        logger: this.logger,
      },
      async (job) => {
        const result = await this.service.run();
        this.logger.log({ msg: 'token re-encryption done', trigger: job.data.trigger, ...result });
        return 'completed';
      },
    );
    for (const existing of await this.queue.getRepeatableJobs()) {
      if (existing.id === cleanupJobIds.reencryptionDaily && Number(existing.every) !== DAY_MS) {
        await this.queue.removeRepeatableByKey(existing.key);
      }
    }
    await this.queue.add(
      { trigger: 'daily' },
      {
        jobId: cleanupJobIds.reencryptionDaily,
        repeat: { every: DAY_MS },
        attempts: 3,
        removeOnComplete: true,
      },
    );
    // A fixed id: workers starting together queue one run, not one each. A failed run kept
    // under that id (for inspection) would swallow the add: the new start replaces it.
    const previous = await this.queue.getJob(cleanupJobIds.reencryptionBoot);
    if (previous && (await previous.isFailed())) {
      await previous.remove();
    }
    await this.queue.add(
      { trigger: 'boot' },
      { jobId: cleanupJobIds.reencryptionBoot, attempts: 3, removeOnComplete: true },
    );
  }
}
