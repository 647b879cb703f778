import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { REGISTERED_QUEUES } from './queue-error.listener';
import { JobProducer } from './job.producer';
import { QueueName } from './queue-names';

/**
 * Auto-pipelining on each queue's command connection (not on its blocking or subscriber ones):
 * the commands of concurrent webhooks and jobs issued in the same tick go out in one socket write
 * instead of one each — at 32 concurrent webhooks the writes were 14% of the gateway's CPU. Order
 * on the connection is kept; MULTI and explicit pipelines are never auto-pipelined. Set on the
 * live client because Bull creates its connections itself (and closes them); the blocking
 * connection must not have it (tried: the consumer then stalls).
 */
@Injectable()
export class QueueClientTuning implements OnModuleInit {
  constructor(
    private readonly producer: JobProducer,
    @Inject(REGISTERED_QUEUES) private readonly names: readonly QueueName[],
  ) {}

  onModuleInit(): void {
    for (const name of this.names) {
      const queue = this.producer.queue(name);
      queue.client.options.enableAutoPipelining = true;
    }
  }
}
