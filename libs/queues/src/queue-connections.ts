import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { JobProducer } from './job.producer';
import { QueueName } from './queue-names';

export const REGISTERED_QUEUES = Symbol('REGISTERED_QUEUES');

/** How long a queue may take to close (its active jobs to finish) before its connections are cut. */
const QUEUE_CLOSE_BOUND_MS = 15_000;

/**
 * What this process's Bull queues need from their connections:
 * - An `error` listener. Bull reports connection trouble as `error` events; an EventEmitter with
 *   no listener throws, which would crash the process (typically while it shuts down and its
 *   connections close under a timer's feet). Errors are logged instead: Bull reconnects by itself.
 * - Auto-pipelining on each queue's command connection (not on its blocking or subscriber ones):
 *   the commands of concurrent webhooks and jobs issued in the same tick go out in one socket
 *   write instead of one each (at 32 concurrent webhooks the writes were 14% of the gateway's
 *   CPU). Order on the connection is kept; MULTI and explicit pipelines are never
 *   auto-pipelined. Set on the live client because Bull creates its connections itself (and
 *   closes them); the blocking connection must not have it (tried: the consumer then stalls).
 * - A bounded close of the queues this process consumes (see beforeApplicationShutdown).
 */
@Injectable()
export class QueueConnections implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QueueConnections.name);
  private stopping = false;

  constructor(
    private readonly producer: JobProducer,
    @Inject(REGISTERED_QUEUES) private readonly names: readonly QueueName[],
  ) {}

  onModuleInit(): void {
    for (const name of this.names) {
      const queue = this.producer.queue(name);
      queue.client.options.enableAutoPipelining = true;
      queue.on('error', (error: Error) => {
        if (this.stopping || /Connection is closed/.test(error.message)) {
          this.logger.debug({ msg: 'queue connection closed', queue: name });
          return;
        }
        this.logger.warn({ msg: 'queue error', queue: name, reason: error.message });
      });
    }
  }

  /**
   * Closes the queues this process consumes before Nest's Bull module does (it closes them
   * unbounded): a consumer whose connections are stuck reconnecting (seen after a Redis restart)
   * would otherwise hold the shutdown until the process's own timeout. Past the bound its
   * connections are cut: active jobs are not lost by that, Bull runs them again once their lock
   * expires. Producer-only queues (the gateway's) close later, after the HTTP server has finished
   * the requests that enqueue into them.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.names.map(async (name) => {
        const queue = this.producer.queue(name);
        // Bull's own flag for "this queue's blocking (consumer) connection exists".
        if (!(queue as typeof queue & { bclientInitialized?: boolean }).bclientInitialized) {
          return;
        }
        if (await this.within(queue.close(), QUEUE_CLOSE_BOUND_MS)) {
          return;
        }
        this.logger.warn({
          msg: 'queue did not close in time; cutting its connections',
          queue: name,
          boundMs: QUEUE_CLOSE_BOUND_MS,
        });
        queue.clients.forEach((client) => client.disconnect());
      }),
    );
  }

  private async within(work: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([work.then(() => true).catch(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }
}
