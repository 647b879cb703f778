import { getQueueToken } from '@nestjs/bull';
import {
  ConversationOrder,
  InstagramInboundJob,
  itemKeys,
  jobIds,
  JsonObject,
  OrderedEnqueue,
  PayloadCipher,
  QueueName,
} from '@app/queues';
import { Queue } from 'bull';
import type { MessagingItem } from '../emulators/meta/meta-webhooks';
import type { RunningGateway } from './gateway-harness';

/**
 * What a gateway of the previous release did with the echo of one of our own sends: an inbound
 * job in the conversation's own-echo lane (current gateways record the echo and queue nothing).
 * Relay workers must still drain such jobs during a rolling deploy. Returns the job id.
 */
export async function queueOwnEchoAsPreviousGateway(
  gateway: RunningGateway,
  echo: MessagingItem,
): Promise<string> {
  const instagramAccountId = echo.sender.id;
  const igsid = echo.recipient.id;
  const mid = (echo.message as { mid: string }).mid;
  const queue = gateway.app.get<Queue<InstagramInboundJob>>(
    getQueueToken(QueueName.INSTAGRAM_INBOUND),
  );
  const jobId = jobIds.instagramItem(instagramAccountId, itemKeys.message(mid));
  await new OrderedEnqueue(queue, gateway.env.REDIS_KEY_PREFIX).add([
    {
      id: jobId,
      conversation: ConversationOrder.instagram(instagramAccountId, igsid, 'own-echo'),
      score: ConversationOrder.score(echo.timestamp, 1),
      data: {
        correlationId: 'previous-release',
        acceptedAt: Date.now(),
        instagramAccountId,
        igsid,
        itemKey: itemKeys.message(mid),
        timestamp: echo.timestamp,
        position: 1,
        sealedItem: gateway.app
          .get(PayloadCipher)
          .seal(
            echo as unknown as JsonObject,
            PayloadCipher.context(QueueName.INSTAGRAM_INBOUND, jobId),
          ),
        lane: 'own-echo',
      },
    },
  ]);
  return jobId;
}
