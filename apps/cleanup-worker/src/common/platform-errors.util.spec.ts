import { RelayError } from '@app/credentials';
import { LiveChatApiError } from '@app/livechat-sdk';
import { MetaGraphError } from '@app/meta-graph';
import { isAuthFailure, toleratedRevocationError } from './platform-errors.util';

describe('toleratedRevocationError', () => {
  const meta = (init: Partial<ConstructorParameters<typeof MetaGraphError>[0]>): MetaGraphError =>
    new MetaGraphError({ method: 'unsubscribeApp', kind: 'permanent', reason: 'unknown', ...init });
  const livechat = (
    init: Partial<ConstructorParameters<typeof LiveChatApiError>[0]>,
  ): LiveChatApiError =>
    new LiveChatApiError({ method: 'revoke_token', kind: 'permanent', ...init });

  it('accepts a dead token or a missing object as already gone', () => {
    expect(
      toleratedRevocationError(meta({ kind: 'auth', reason: 'token-invalid', code: 190 })),
    ).toBe('already-gone');
    expect(toleratedRevocationError(meta({ status: 404 }))).toBe('already-gone');
    expect(toleratedRevocationError(livechat({ kind: 'auth', status: 401 }))).toBe('already-gone');
    expect(toleratedRevocationError(livechat({ status: 404 }))).toBe('already-gone');
  });

  it('records a refusal for good instead of retrying it', () => {
    expect(toleratedRevocationError(meta({ reason: 'permission-missing', status: 403 }))).toBe(
      'not-permitted',
    );
    expect(toleratedRevocationError(meta({ reason: 'invalid-parameter', status: 400 }))).toBe(
      'refused',
    );
    expect(toleratedRevocationError(livechat({ status: 400, vendorType: 'validation' }))).toBe(
      'refused',
    );
  });

  it('leaves transient failures and unknown errors to the retry', () => {
    expect(toleratedRevocationError(meta({ kind: 'retryable', status: 500 }))).toBeUndefined();
    expect(toleratedRevocationError(meta({ kind: 'rate-limited', status: 429 }))).toBeUndefined();
    expect(toleratedRevocationError(livechat({ kind: 'retryable', status: 503 }))).toBeUndefined();
    expect(toleratedRevocationError(new Error('database down'))).toBeUndefined();
  });
});

describe('isAuthFailure', () => {
  it('recognises LiveChat auth failures and a missing grant', () => {
    expect(isAuthFailure(new LiveChatApiError({ method: 'info', kind: 'auth', status: 401 }))).toBe(
      true,
    );
    expect(isAuthFailure(new RelayError('auth', 'no refresh token', 'no_refresh_token'))).toBe(
      true,
    );
    expect(isAuthFailure(new LiveChatApiError({ method: 'info', kind: 'retryable' }))).toBe(false);
    expect(isAuthFailure(new Error('x'))).toBe(false);
  });
});
