import { QUEUE_CONSUMER, QueueName } from './queue-names';
import { ConsumerApp, queueContractProblems } from './queue-contract';

/** The consumers each app would start if it followed QUEUE_CONSUMER exactly. */
function declared(): Record<ConsumerApp, string[]> {
  const apps: Record<ConsumerApp, string[]> = { 'relay-worker': [], 'cleanup-worker': [] };
  for (const queue of Object.values(QueueName)) {
    apps[QUEUE_CONSUMER[queue]].push(queue);
  }
  return apps;
}

describe('queueContractProblems', () => {
  it('finds nothing wrong when each queue has exactly its declared consumer', () => {
    expect(queueContractProblems(declared())).toEqual([]);
  });

  it('fails when a consumer is removed', () => {
    const apps = declared();
    apps['relay-worker'] = apps['relay-worker'].filter(
      (q) => q !== String(QueueName.LIVECHAT_INBOUND),
    );
    expect(queueContractProblems(apps)).toEqual([
      `queue "${QueueName.LIVECHAT_INBOUND}" has no consumer (QUEUE_CONSUMER says relay-worker)`,
    ]);
  });

  it('fails when a queue is consumed twice, in one app or in two', () => {
    const twiceInOne = declared();
    twiceInOne['cleanup-worker'].push(QueueName.DATA_PURGE);
    expect(queueContractProblems(twiceInOne)).toEqual([
      `queue "${QueueName.DATA_PURGE}" has 2 consumers (cleanup-worker, cleanup-worker)`,
    ]);
    const inTwo = declared();
    inTwo['relay-worker'].push(QueueName.DATA_PURGE);
    expect(queueContractProblems(inTwo)).toEqual([
      `queue "${QueueName.DATA_PURGE}" has 2 consumers (relay-worker, cleanup-worker)`,
    ]);
  });

  it('fails when the wrong app consumes a queue, or a queue is not a QueueName', () => {
    const apps = declared();
    apps['cleanup-worker'] = apps['cleanup-worker'].filter(
      (q) => q !== String(QueueName.DATA_PURGE),
    );
    apps['relay-worker'].push(QueueName.DATA_PURGE, 'no-such-queue');
    expect(queueContractProblems(apps)).toEqual([
      'relay-worker consumes "no-such-queue", which is not a QueueName',
      `queue "${QueueName.DATA_PURGE}" is consumed by relay-worker, QUEUE_CONSUMER says cleanup-worker`,
    ]);
  });
});
