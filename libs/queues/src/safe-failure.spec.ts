import { RelayError } from '@app/credentials';
import { MetaGraphError } from '@app/meta-graph';
import { safeFailure, safeReason } from './safe-failure';

describe('safeFailure: what Bull keeps of a failure', () => {
  it('names kind and codes, never upstream or parser text', () => {
    const meta = new MetaGraphError({
      kind: 'permanent',
      reason: 'invalid-parameter',
      status: 400,
      code: 100,
      method: 'POST /me/messages',
      graphMessage: 'Param message[text] "my secret text" is invalid',
    });
    const reason = safeReason(meta);
    expect(reason).toBe(
      'permanent: MetaGraphError method=POST /me/messages status=400 reason=invalid-parameter code=100',
    );
    let parseError: unknown;
    try {
      JSON.parse('{"text":"my secret text"');
    } catch (error) {
      parseError = error;
    }
    expect(safeReason(parseError)).toBe('unclassified: SyntaxError');
    for (const error of [meta, parseError]) {
      const safe = safeFailure(error);
      expect(`${safe.message}\n${safe.stack ?? ''}`).not.toContain('secret');
    }
  });

  it('keeps our own messages and the retry contract', () => {
    const safe = safeFailure(
      Object.assign(new RelayError('rate-limited', 'slow down', 'rl'), { retryAfterMs: 1234 }),
    );
    expect(safe.message).toBe('rate-limited: slow down');
    expect(safe).toMatchObject({ kind: 'rate-limited', retryAfterMs: 1234 });
    expect(safe.stack).toMatch(/^JobFailure: rate-limited: slow down\n\s+at /);
  });
});
