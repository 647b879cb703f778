import { QUEUE_CONSUMER, QueueName } from './queue-names';

export type ConsumerApp = (typeof QUEUE_CONSUMER)[QueueName];

/** Every queue a consumer was started on in this process, in order (one entry per `process`). */
const started: string[] = [];

/** Called by `consumeQueue` (under `runJobs`): the record the job contract check reads. */
export function recordConsumer(queueName: string): void {
  started.push(queueName);
}

/** The queues consumed so far in this process; pass `since` to see only those started after it. */
export function consumersStarted(since = 0): readonly string[] {
  return started.slice(since);
}

/**
 * What is wrong with the consumers each app starts, against `QueueName` and `QUEUE_CONSUMER`:
 * a queue no app consumes (its jobs would wait forever), one consumed twice (Bull would run two
 * handlers, or two apps would split one kind of job), or by the wrong app. Empty when sound.
 */
export function queueContractProblems(
  consumersByApp: Readonly<Record<ConsumerApp, readonly string[]>>,
): string[] {
  const problems: string[] = [];
  const known = new Set<string>(Object.values(QueueName));
  const byQueue = new Map<string, ConsumerApp[]>();
  for (const [app, queues] of Object.entries(consumersByApp) as [
    ConsumerApp,
    readonly string[],
  ][]) {
    for (const queue of queues) {
      if (!known.has(queue)) {
        problems.push(`${app} consumes "${queue}", which is not a QueueName`);
      }
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), app]);
    }
  }
  for (const queue of Object.values(QueueName)) {
    const apps = byQueue.get(queue) ?? [];
    const owner = QUEUE_CONSUMER[queue];
    if (apps.length === 0) {
      problems.push(`queue "${queue}" has no consumer (QUEUE_CONSUMER says ${owner})`);
    } else if (apps.length > 1) {
      problems.push(`queue "${queue}" has ${apps.length} consumers (${apps.join(', ')})`);
    } else if (apps[0] !== owner) {
      problems.push(`queue "${queue}" is consumed by ${apps[0]}, QUEUE_CONSUMER says ${owner}`);
    }
  }
  return problems;
}
