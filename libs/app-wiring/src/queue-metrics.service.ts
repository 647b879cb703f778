import { getQueueToken } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Metrics } from '@app/platform';
import { QueueName } from '@app/queues';
import { Queue } from 'bull';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** Queue depth and the age of the oldest waiting job, read from Redis at scrape time. */
@Injectable()
export class QueueMetricsService {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly metrics: Metrics,
  ) {}

  async refresh(queues: readonly QueueName[]): Promise<void> {
    await Promise.all(
      queues.map(async (name) => {
        const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
        const counts = await queue.getJobCounts();
        for (const state of STATES) {
          this.metrics.queueDepth.set({ queue: name, state }, counts[state] ?? 0);
        }
        // Bull pushes new jobs on the left and takes from the right: the oldest is last.
        const oldestId = await queue.client.lindex(queue.toKey('wait'), -1);
        const oldest = oldestId ? await queue.getJob(oldestId) : null;
        this.metrics.queueOldestWaiting.set(
          { queue: name },
          oldest ? (Date.now() - oldest.timestamp) / 1000 : 0,
        );
      }),
    );
  }
}
