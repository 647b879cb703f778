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
  async addBulk<Q extends QueueName>(name: Q, jobs: BulkJob<Q>[]): Promise<Job<JobOf<Q>>[]> {
    if (jobs.length === 0) {
      return [];
    }
    const added = await this.queue(name).addBulk(jobs);
    // Bull's addBulk ignores errors inside its MULTI (e.g. NOSCRIPT right after a Redis restart)
    // and resolves with jobs that were never created. Acknowledging those would lose them: fail,
    // so the webhook is answered 5xx and redelivered.
    if (
      added.length !== jobs.length ||
      added.some((job) => job.id === undefined || job.id === null)
    ) {
      throw new Error(
        `queue ${name}: ${jobs.length - added.filter((j) => j.id !== undefined && j.id !== null).length} job(s) were not created`,
      );
    }
    return added;
  }
}
