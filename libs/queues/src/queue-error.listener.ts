import { getQueueToken } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bull';
import { QueueName } from './queue-names';

export const REGISTERED_QUEUES = Symbol('REGISTERED_QUEUES');

/**
 * Bull reports connection trouble as `error` events; an EventEmitter with no `error` listener
 * throws, which would crash the process (typically while it shuts down and its connections
 * close under a timer's feet). Errors are logged instead: Bull reconnects by itself.
 */
@Injectable()
export class QueueErrorListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QueueErrorListener.name);
  private stopping = false;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(REGISTERED_QUEUES) private readonly names: readonly QueueName[],
  ) {}

  onModuleInit(): void {
    for (const name of this.names) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (error: Error) => {
        if (this.stopping || /Connection is closed/.test(error.message)) {
          this.logger.debug({ msg: 'queue connection closed', queue: name });
          return;
        }
        this.logger.warn({ msg: 'queue error', queue: name, reason: error.message });
      });
    }
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }
}
