import { LiveChatApiError } from './livechat-api.error';

/** Narrowing helpers for JSON from the wire (no `any`). */
export type JsonRecord = Record<string, unknown>;

export function asRecord(value: unknown): JsonRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonRecord)
    : undefined;
}

export function optString(obj: JsonRecord | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

export function optNumber(obj: JsonRecord | undefined, key: string): number | undefined {
  const value = obj?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function optBoolean(obj: JsonRecord | undefined, key: string): boolean | undefined {
  const value = obj?.[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function numberArray(value: unknown): number[] {
  return Array.isArray(value)
    ? value.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    : [];
}

export function recordArray(value: unknown): JsonRecord[] {
  return Array.isArray(value)
    ? value.map(asRecord).filter((v): v is JsonRecord => v !== undefined)
    : [];
}

/** A field a successful response must carry; its absence means we cannot trust the call. */
export function requireString(obj: JsonRecord | undefined, key: string, method: string): string {
  const value = optString(obj, key);
  if (value === undefined) {
    throw invalidResponse(method);
  }
  return value;
}

export function requireRecord(value: unknown, method: string): JsonRecord {
  const record = asRecord(value);
  if (record === undefined) {
    throw invalidResponse(method);
  }
  return record;
}

/**
 * A 2xx we cannot read. Permanent on purpose: the call may have taken effect (a sent message), so a
 * blind retry could duplicate it.
 */
export function invalidResponse(method: string): LiveChatApiError {
  return new LiveChatApiError({ method, kind: 'permanent', reason: 'invalid_response' });
}
