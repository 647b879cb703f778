/** Shown instead of any value Bull Board must not display. */
export const REDACTED_VALUE = '[redacted]';

/**
 * Keys whose string values are identifiers or enumerations (ids, kinds, reasons, actions): the
 * only strings Bull Board shows. Everything else — text, captions, titles, names, URLs, tokens,
 * encrypted blobs, anything a future payload adds — is redacted: an allowlist fails closed.
 */
const SAFE_STRING_KEY =
  /^(id|mid|ids|igsid|psid|kind|type|action|reason|lane|sweep|check|status|object|field|event_type)$|(Id|_id|Ids|_ids|Key|Kind|Type)$/;

/** A value that looks like a URL or a bearer credential is redacted even under a safe key. */
const LOOKS_SECRET = /^(https?:|wss?:|dal:|fra:|bearer )|\s/i;

const MAX_DEPTH = 12;

function redactValue(value: unknown, key: string, depth: number): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'string') {
    return SAFE_STRING_KEY.test(key) && !LOOKS_SECRET.test(value) ? value : REDACTED_VALUE;
  }
  if (depth >= MAX_DEPTH) {
    return REDACTED_VALUE;
  }
  if (Array.isArray(value)) {
    return value.map((item) => redactValue(item, key, depth + 1));
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = redactValue(v, k, depth + 1);
    }
    return out;
  }
  return REDACTED_VALUE;
}

/**
 * Job data as Bull Board shows it: the shape, ids, kinds and numbers survive (an operator can
 * still see which account, chat and conversation a stuck job is about); message text, captions,
 * media URLs and tokens do not.
 */
export function redactJobData(data: unknown): unknown {
  return redactValue(data, '', 0);
}
