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

  /**
   * Many jobs, each its own `add`: with the queue client's auto-pipelining they still go out in
   * one write, and each reports its own outcome. (Bull's `addBulk` runs them in a MULTI whose
   * errors it ignores, e.g. NOSCRIPT right after a Redis restart, and resolves with jobs that were
   * never created: acknowledging those would lose them.)
   */
  async addMany<Q extends QueueName>(name: Q, jobs: BulkJob<Q>[]): Promise<Job<JobOf<Q>>[]> {
    const queue = this.queue(name);
    const added = await Promise.all(jobs.map((job) => queue.add(job.data, job.opts)));
    const missing = added.filter((job) => job.id === undefined || job.id === null).length;
    if (missing > 0) {
      throw new Error(`queue ${name}: ${missing} job(s) were not created`);
    }
    return added;
  }
}
