import { getQueueToken } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Job, JobOptions, Queue } from 'bull';
import { JobOf } from './job-payloads';
import { QueueName } from './queue-names';

export interface BulkJob<Q extends QueueName> {
  data: JobOf<Q>;
  opts?: JobOptions;
}

/** Typed producer: payload types follow the queue name. */
@Injectable()
export class JobProducer {
  private readonly cache = new Map<QueueName, Queue>();

  constructor(private readonly moduleRef: ModuleRef) {}

  queue<Q extends QueueName>(name: Q): Queue<JobOf<Q>> {
    let queue = this.cache.get(name);
    if (!queue) {
      queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      this.cache.set(name, queue);
    }
    return queue as Queue<JobOf<Q>>;
  }

  add<Q extends QueueName>(name: Q, data: JobOf<Q>, opts?: JobOptions): Promise<Job<JobOf<Q>>> {
    return this.queue(name).add(data, opts);
  }

  /** One round trip for many jobs (a Meta POST can carry many messaging items). */
  addBulk<Q extends QueueName>(name: Q, jobs: BulkJob<Q>[]): Promise<Job<JobOf<Q>>[]> {
    if (jobs.length === 0) {
      return Promise.resolve([]);
    }
    return this.queue(name).addBulk(jobs);
  }
}
