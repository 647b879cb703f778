import { AsyncLocalStorage } from 'node:async_hooks';

const store = new AsyncLocalStorage<{ correlationId: string }>();

/**
 * Runs `fn` with a correlation id that every log line written inside it carries: one id from
 * the webhook, through its job, to the upstream calls the job makes.
 */
export function withCorrelation<T>(correlationId: string, fn: () => T): T {
  return store.run({ correlationId }, fn);
}

export function currentCorrelationId(): string | undefined {
  return store.getStore()?.correlationId;
}
