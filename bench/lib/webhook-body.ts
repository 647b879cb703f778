import { createHmac } from 'node:crypto';

export interface WebhookBodyInput {
  igAccountId: string;
  /** One messaging item per message: its customer (igsid), mid and text. */
  items: Array<{ igsid: string; mid: string; text: string; timestamp: number }>;
}

/** An Instagram `messages` webhook as Meta sends it (one entry, `items.length` messaging items). */
export function instagramWebhookBody(input: WebhookBodyInput): string {
  const now = Date.now();
  return JSON.stringify({
    object: 'instagram',
    entry: [
      {
        time: now,
        id: input.igAccountId,
        messaging: input.items.map((item) => ({
          sender: { id: item.igsid },
          recipient: { id: input.igAccountId },
          timestamp: item.timestamp,
          message: { mid: item.mid, text: item.text },
        })),
      },
    ],
  });
}

/** `X-Hub-Signature-256` over the exact bytes. */
export function hubSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Texts the load generator puts in messages: `<tag>|<conversation index>|<seq>|<sent at ms>`, so
 * the receiving side can tell the run, the conversation, the order and the end-to-end latency.
 */
export function benchText(tag: string, conversation: number, seq: number, sentAt: number): string {
  return `${tag}|${conversation}|${seq}|${sentAt}`;
}

export function parseBenchText(
  text: string | undefined,
): { tag: string; conversation: number; seq: number; sentAt: number } | undefined {
  if (!text) {
    return undefined;
  }
  const parts = text.split('|');
  if (parts.length !== 4) {
    return undefined;
  }
  const [tag, conversation, seq, sentAt] = parts;
  return { tag, conversation: Number(conversation), seq: Number(seq), sentAt: Number(sentAt) };
}
