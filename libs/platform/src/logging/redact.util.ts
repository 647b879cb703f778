/**
 * Keys whose values never reach a log line: credentials and message content. Matching is on the
 * key name, so redaction holds for any object handed to the logger, whatever its shape.
 */
const SENSITIVE_KEY =
  /(token|secret|password|authorization|signature|cookie|^code$|^text$|message_text|^body$|^payload$|^url$|^attachments?$|^title$|^caption$)/i;

export const REDACTED = '[redacted]';

export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  if (depth > 6) {
    return '[depth]';
  }
  if (value instanceof Error) {
    return { name: value.name, message: value.message };
  }
  if (Array.isArray(value)) {
    return value.map((item) => redact(item, depth + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SENSITIVE_KEY.test(key) ? REDACTED : redact(inner, depth + 1);
  }
  return out;
}
