const MAX_PARAM_LENGTH = 4_096;

/**
 * One query parameter as a string: undefined when absent, null when repeated, not a string or too
 * long (a bad request the caller answers with 400).
 */
export function queryParam(
  query: Record<string, unknown>,
  name: string,
): string | undefined | null {
  const value = query[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value.length > MAX_PARAM_LENGTH) {
    return null;
  }
  return value;
}
