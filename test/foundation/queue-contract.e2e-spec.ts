import { ConsumerApp, consumersStarted, queueContractProblems } from '@app/queues';
import { World } from '../support/world';

/**
 * The job contract checks itself: both worker apps are booted as they run in production, and
 * every queue must end up with exactly one consumer, in the app `QUEUE_CONSUMER` names. Adding a
 * queue without a processor, or a second processor for one, fails here.
 */
describe('job contract: every queue has exactly one consumer', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 0 });
  });

  afterAll(async () => {
    await world?.close();
  });

  it('boots each worker and finds each queue consumed once, by its declared app', async () => {
    const consumers: Record<ConsumerApp, readonly string[]> = {
      'relay-worker': [],
      'cleanup-worker': [],
    };
    let mark = consumersStarted().length;
    await world.startRelayWorker();
    consumers['relay-worker'] = consumersStarted(mark);
    mark = consumersStarted().length;
    await world.startCleanupWorker();
    consumers['cleanup-worker'] = consumersStarted(mark);

    expect(consumers['relay-worker'].length).toBeGreaterThan(0);
    expect(consumers['cleanup-worker'].length).toBeGreaterThan(0);
    expect(queueContractProblems(consumers)).toEqual([]);
  });
});
