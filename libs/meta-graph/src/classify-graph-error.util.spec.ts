import { classifyGraphFailure, retryAfterFromHeaders } from './classify-graph-error.util';
import { FailureKind } from '@app/platform';
import { MetaErrorReason, MetaGraphError } from './meta-graph.error';

function graphBody(code: number, subcode?: number): unknown {
  return {
    error: {
      message: '(#x) something',
      type: 'OAuthException',
      code,
      ...(subcode !== undefined ? { error_subcode: subcode } : {}),
      fbtrace_id: 'AbCdEf',
    },
  };
}

describe('classifyGraphFailure', () => {
  it.each<[number, number | undefined, number, FailureKind, MetaErrorReason]>([
    [1, undefined, 500, 'retryable', 'temporary'],
    [2, undefined, 500, 'retryable', 'temporary'],
    [4, undefined, 400, 'rate-limited', 'rate-limited'],
    [17, undefined, 400, 'rate-limited', 'rate-limited'],
    [32, undefined, 400, 'rate-limited', 'rate-limited'],
    [613, undefined, 400, 'rate-limited', 'rate-limited'],
    [341, undefined, 400, 'rate-limited', 'rate-limited'],
    [80001, undefined, 400, 'rate-limited', 'rate-limited'],
    [80014, undefined, 400, 'rate-limited', 'rate-limited'],
    [190, undefined, 400, 'auth', 'token-invalid'],
    [190, 463, 400, 'auth', 'token-invalid'],
    [190, 458, 400, 'auth', 'token-invalid'],
    [190, 460, 401, 'auth', 'token-invalid'],
    [10, 2018278, 400, 'permanent', 'window-closed'],
    [10, 2534022, 400, 'permanent', 'window-closed'],
    [10, 2018065, 400, 'permanent', 'window-closed'],
    [10, 1893063, 400, 'permanent', 'policy-blocked'],
    [10, undefined, 403, 'auth', 'permission-missing'],
    [200, undefined, 403, 'auth', 'permission-missing'],
    [299, undefined, 403, 'auth', 'permission-missing'],
    [230, undefined, 400, 'permanent', 'user-unavailable'],
    [100, undefined, 400, 'permanent', 'invalid-parameter'],
    [100, 2018047, 400, 'permanent', 'attachment-failed'],
    [100, 2018001, 400, 'permanent', 'user-unavailable'],
    [551, undefined, 400, 'permanent', 'user-unavailable'],
    [551, 1545041, 400, 'permanent', 'user-unavailable'],
    [368, undefined, 400, 'permanent', 'policy-blocked'],
    [12345, undefined, 400, 'permanent', 'unknown'],
    [12345, undefined, 503, 'retryable', 'temporary'],
  ])('code %s/%s (HTTP %s) → %s %s', (code, subcode, status, kind, reason) => {
    const err = classifyGraphFailure({
      method: 'sendText',
      status,
      body: graphBody(code, subcode),
    });
    expect(err).toBeInstanceOf(MetaGraphError);
    expect(err).toMatchObject({
      kind,
      reason,
      status,
      code,
      subcode,
      fbtraceId: 'AbCdEf',
      method: 'sendText',
    });
  });

  it.each<[number, FailureKind, MetaErrorReason]>([
    [500, 'retryable', 'temporary'],
    [502, 'retryable', 'temporary'],
    [408, 'retryable', 'temporary'],
    [429, 'rate-limited', 'rate-limited'],
    [401, 'auth', 'token-invalid'],
    [403, 'auth', 'permission-missing'],
    [404, 'permanent', 'unknown'],
  ])('HTTP %s without a Graph body → %s %s', (status, kind, reason) => {
    expect(classifyGraphFailure({ method: 'me', status, body: undefined })).toMatchObject({
      kind,
      reason,
    });
  });

  it('treats is_transient as retryable for unknown codes', () => {
    const body = { error: { code: 9999, is_transient: true } };
    expect(classifyGraphFailure({ method: 'me', status: 400, body })).toMatchObject({
      kind: 'retryable',
    });
  });

  it('maps transport failures to retryable', () => {
    expect(classifyGraphFailure({ method: 'sendText', transport: 'timeout' })).toMatchObject({
      kind: 'retryable',
      reason: 'temporary',
      transport: 'timeout',
      status: undefined,
    });
    expect(classifyGraphFailure({ method: 'sendText', transport: 'network' }).message).toBe(
      'meta sendText failed: retryable temporary (network)',
    );
  });

  it('formats a message with no Graph text in it', () => {
    const body = {
      error: { message: 'secret-ish echo of a parameter', code: 10, error_subcode: 2018278 },
    };
    const err = classifyGraphFailure({ method: 'sendText', status: 400, body });
    expect(err.message).toBe('meta sendText failed: permanent window-closed (code 10/2018278)');
    expect(err.name).toBe('MetaGraphError');
    expect(err.graphMessage).toBe('secret-ish echo of a parameter');
  });

  it('reads the wait from usage headers on rate limits, not on permanent errors', () => {
    const headers = new Headers({
      'x-business-use-case-usage': JSON.stringify({
        '123': [{ type: 'messenger', call_count: 100, estimated_time_to_regain_access: 3 }],
      }),
    });
    const limited = classifyGraphFailure({
      method: 'sendText',
      status: 400,
      body: graphBody(80006),
      headers,
    });
    expect(limited).toMatchObject({ kind: 'rate-limited', retryAfterMs: 180_000 });
    expect(limited.message).toContain('retry after 180000 ms');
    const permanent = classifyGraphFailure({
      method: 'sendText',
      status: 400,
      body: graphBody(100),
      headers,
    });
    expect(permanent.retryAfterMs).toBeUndefined();
  });
});

describe('retryAfterFromHeaders', () => {
  it('takes the longest of Retry-After and the usage headers', () => {
    const headers = new Headers({
      'retry-after': '30',
      'x-page-usage': JSON.stringify({ call_count: 100, estimated_time_to_regain_access: 1 }),
    });
    expect(retryAfterFromHeaders(headers)).toBe(60_000);
  });

  it('understands an HTTP-date Retry-After', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const headers = new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' });
    expect(retryAfterFromHeaders(headers, now)).toBe(10_000);
  });

  it('is undefined when nothing useful is stated', () => {
    expect(retryAfterFromHeaders(new Headers())).toBeUndefined();
    expect(
      retryAfterFromHeaders(
        new Headers({
          'x-business-use-case-usage': '{"1":[{"estimated_time_to_regain_access":0}]}',
        }),
      ),
    ).toBeUndefined();
    expect(retryAfterFromHeaders(new Headers({ 'x-app-usage': 'not json' }))).toBeUndefined();
  });
});
