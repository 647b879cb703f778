import { RelayError } from '@app/credentials';
import { LiveChatApiError } from '@app/livechat-sdk';
import { MetaGraphError } from '@app/meta-graph';
import { classifiedBackoff, DeferJobError } from '@app/queues';
import { ClassifiedError, kindOf, retryAfterOf } from './classified-error';

describe('one failure vocabulary', () => {
  const classified: Array<[string, ClassifiedError]> = [
    [
      'LiveChatApiError',
      new LiveChatApiError({ method: 'send_event', kind: 'rate-limited', retryAfterMs: 2_000 }),
    ],
    [
      'MetaGraphError',
      new MetaGraphError({
        method: 'sendMessage',
        kind: 'rate-limited',
        reason: 'rate-limited',
        retryAfterMs: 2_000,
      }),
    ],
  ];

  it.each(classified)('%s is a ClassifiedError read by kindOf and retryAfterOf', (name, error) => {
    expect(error).toBeInstanceOf(ClassifiedError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(kindOf(error)).toBe('rate-limited');
    expect(retryAfterOf(error)).toBe(2_000);
    expect(classifiedBackoff(1, error, { random: () => 1 })).toBe(2_000);
  });

  it("reads the relay's own errors the same way", () => {
    const error = new RelayError('auth', 'installation needs reauth', 'installation_needs_reauth');
    expect(error).toBeInstanceOf(ClassifiedError);
    expect(error.name).toBe('RelayError');
    expect(kindOf(error)).toBe('auth');
    expect(retryAfterOf(error)).toBeUndefined();
  });

  it('asks for no wait when none was given, and keeps its message', () => {
    const error = new LiveChatApiError({ method: 'get_chat', kind: 'retryable' });
    expect(retryAfterOf(error)).toBeUndefined();
    expect(error.message).toBe('livechat get_chat failed: retryable');
  });

  it('reads a deferral as deferred, not as a failure', () => {
    const error = new DeferJobError(250, 'not its turn');
    expect(kindOf(error)).toBe('deferred');
    expect(retryAfterOf(error)).toBe(250);
  });

  it('calls anything else unclassified', () => {
    expect(kindOf(new Error('boom'))).toBe('unclassified');
    expect(kindOf(Object.assign(new Error('odd'), { kind: 'sometimes' }))).toBe('unclassified');
    expect(kindOf('a string')).toBe('unclassified');
    expect(kindOf(undefined)).toBe('unclassified');
    expect(retryAfterOf(Object.assign(new Error('odd'), { retryAfterMs: -5 }))).toBeUndefined();
  });

  it('still reads a kind carried by a plain error (the content-free copy Bull stores)', () => {
    const copy = Object.assign(new Error('JobFailure'), { kind: 'permanent', retryAfterMs: 10 });
    expect(kindOf(copy)).toBe('permanent');
    expect(retryAfterOf(copy)).toBe(10);
  });
});
