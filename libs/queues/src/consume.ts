import { Logger } from '@nestjs/common';
import { Job, Queue } from 'bull';
import { recordConsumer } from './queue-contract';

const logger = new Logger('QueueConsumer');

/**
 * Starts consuming a queue (unnamed jobs: one kind per queue). The promise Bull's `process`
 * returns rejects when its connections close during shutdown; left unhandled, that rejection
 * would crash a process that was stopping cleanly, so it is caught and logged here.
 */
export function consumeQueue<T>(
  queue: Queue<T>,
  concurrency: number,
  handler: (job: Job<T>) => Promise<unknown>,
): void {
  recordConsumer(queue.name);
  queue.process(concurrency, handler).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    logger.log({ msg: 'stopped consuming', queue: queue.name, reason: message });
  });
}
