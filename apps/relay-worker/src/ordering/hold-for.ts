import { ConnectionSignals, holderOf } from '@app/credentials';
import { HoldFor, QueueName } from '@app/queues';

/** Ordered items failing for want of a grant wait in ConnectionSignals until it is restored. */
export function holdFor(signals: ConnectionSignals): HoldFor {
  return async (error, queue, jobId) => {
    const holder = holderOf(error);
    if (
      !holder ||
      (queue !== QueueName.INSTAGRAM_INBOUND && queue !== QueueName.LIVECHAT_INBOUND)
    ) {
      return false;
    }
    return signals.hold(holder, queue, jobId);
  };
}
