import { GaveUp, InstagramInboundJob, JsonObject, LiveChatInboundJob } from './job-payloads';
import { PayloadCipher, PayloadDecryptionError } from './payload-cipher';
import { QueueName } from './queue-names';

/** An instagram-inbound job as the relay works on it: its item opened. */
export type InstagramInboundWork = Omit<InstagramInboundJob, 'sealedItem' | 'item' | 'gaveUp'> & {
  item: JsonObject;
};

/** A livechat-inbound job as the relay works on it: its webhook body opened. */
export type LiveChatInboundWork = Omit<LiveChatInboundJob, 'sealedBody' | 'body' | 'gaveUp'> & {
  body: JsonObject;
};

/** Opens the item (in the worker that delivers it, and nowhere else). */
export function openInstagramInbound(
  cipher: PayloadCipher,
  jobId: string | number,
  data: InstagramInboundJob,
): InstagramInboundWork {
  const { sealedItem, item: legacy, gaveUp: _gaveUp, ...rest } = data;
  if (sealedItem) {
    const item = cipher.open(sealedItem, PayloadCipher.context(QueueName.INSTAGRAM_INBOUND, jobId));
    return { ...rest, item };
  }
  if (legacy) {
    return { ...rest, item: legacy };
  }
  throw new PayloadDecryptionError('the job holds no item (it gave up before)');
}

export function openLiveChatInbound(
  cipher: PayloadCipher,
  jobId: string | number,
  data: LiveChatInboundJob,
): LiveChatInboundWork {
  const { sealedBody, body: legacy, gaveUp: _gaveUp, ...rest } = data;
  if (sealedBody) {
    const body = cipher.open(sealedBody, PayloadCipher.context(QueueName.LIVECHAT_INBOUND, jobId));
    return { ...rest, body };
  }
  if (legacy) {
    return { ...rest, body: legacy };
  }
  throw new PayloadDecryptionError('the job holds no webhook body (it gave up before)');
}

/** What a job that gave up keeps: ids, times, kind and reason; no content, sealed or not. */
export function withoutContent<T extends InstagramInboundJob | LiveChatInboundJob>(
  data: T,
  gaveUp: GaveUp,
): T {
  const { item: _item, body: _body, ...rest } = data as InstagramInboundJob & LiveChatInboundJob;
  const stripped: Record<string, unknown> = { ...rest, gaveUp };
  if ('itemKey' in data) {
    stripped.sealedItem = null;
  } else {
    stripped.sealedBody = null;
  }
  return stripped as T;
}
