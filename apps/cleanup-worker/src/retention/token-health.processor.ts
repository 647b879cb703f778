import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Metrics } from '@app/platform';
import { QueueName, runJobs, TokenHealthJob } from '@app/queues';
import { Queue } from 'bull';
import { CleanupWorkerEnv } from '../config/cleanup-worker.env';
import { AccountWatchdogService } from '../watchdog/account-watchdog.service';
import { WatchdogTickService } from '../watchdog/watchdog-tick.service';
import { TokenHealthService } from './token-health.service';

/** Token health and the connection watchdog: the tick, each account's check, LiveChat refreshes. */
@Injectable()
export class TokenHealthProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(TokenHealthProcessor.name);

  constructor(
    @InjectQueue(QueueName.TOKEN_HEALTH) private readonly queue: Queue<TokenHealthJob>,
    private readonly service: TokenHealthService,
    private readonly ticks: WatchdogTickService,
    private readonly watchdog: AccountWatchdogService,
    private readonly metrics: Metrics,
    private readonly env: CleanupWorkerEnv,
  ) {}

  onApplicationBootstrap(): void {
    runJobs(
      {
        queue: this.queue,
        name: QueueName.TOKEN_HEALTH,
        concurrency: this.env.CLEANUP_CONCURRENCY,
        metrics: this.metrics,
        logger: this.logger,
      },
      async (job) => {
        const data = job.data;
        switch (data.check) {
          case 'livechat-refresh':
          case 'instagram-refresh': {
            const result =
              data.check === 'livechat-refresh'
                ? await this.service.refreshLiveChat()
                : await this.service.refreshInstagramTokens();
            this.logger.log({ msg: 'token health check done', check: data.check, ...result });
            return 'completed';
          }
          case 'watchdog':
            await this.ticks.tick();
            return 'completed';
          case 'account': {
            const outcome = await this.watchdog.check(data.accountId);
            return outcome ? 'completed' : 'skipped';
          }
        }
      },
    );
  }
}
