import { createHmac } from 'node:crypto';
import { createSignedRequest, parseSignedRequest } from './signed-request.util';

const SECRET = 'app-secret-for-tests';

/** Built by hand (not with createSignedRequest) so the test does not grade its own homework. */
function signed(payload: object, secret = SECRET): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sig = createHmac('sha256', secret).update(body).digest('base64url');
  return `${sig}.${body}`;
}

const PAYLOAD = {
  algorithm: 'HMAC-SHA256',
  expires: 1291840400,
  issued_at: 1291836800,
  user_id: '218471',
};

describe('parseSignedRequest', () => {
  it('accepts a valid request and decodes the payload', () => {
    expect(parseSignedRequest(signed(PAYLOAD), SECRET)).toEqual({
      ok: true,
      payload: {
        userId: '218471',
        algorithm: 'HMAC-SHA256',
        issuedAt: 1291836800,
        expires: 1291840400,
        raw: PAYLOAD,
      },
    });
  });

  it('accepts padded base64 parts as some encoders send them', () => {
    const [sig, body] = signed(PAYLOAD).split('.');
    // Padding on the signature part is cosmetic; the payload part is hashed as received.
    const padded = `${sig}=.${body}`;
    expect(parseSignedRequest(padded, SECRET).ok).toBe(true);
  });

  it('rejects a tampered payload', () => {
    const [sig] = signed(PAYLOAD).split('.');
    const forged = Buffer.from(JSON.stringify({ ...PAYLOAD, user_id: '999' })).toString(
      'base64url',
    );
    expect(parseSignedRequest(`${sig}.${forged}`, SECRET)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('rejects a request signed with another secret', () => {
    expect(parseSignedRequest(signed(PAYLOAD, 'other'), SECRET)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('rejects a wrong algorithm even when correctly signed', () => {
    expect(parseSignedRequest(signed({ ...PAYLOAD, algorithm: 'HMAC-SHA1' }), SECRET)).toEqual({
      ok: false,
      reason: 'unsupported-algorithm',
    });
    expect(parseSignedRequest(signed({ user_id: '1' }), SECRET)).toEqual({
      ok: false,
      reason: 'unsupported-algorithm',
    });
  });

  it('rejects a payload without user_id', () => {
    expect(parseSignedRequest(signed({ algorithm: 'HMAC-SHA256' }), SECRET)).toEqual({
      ok: false,
      reason: 'missing-user-id',
    });
  });

  it.each(['', 'abc', 'a.b.c', '!!!.???', `.${Buffer.from('{}').toString('base64url')}`])(
    'rejects malformed input %j',
    (input) => {
      const result = parseSignedRequest(input, SECRET);
      expect(result.ok).toBe(false);
    },
  );

  it('rejects a valid signature over a body that is not JSON', () => {
    const body = Buffer.from('not json').toString('base64url');
    const sig = createHmac('sha256', SECRET).update(body).digest('base64url');
    expect(parseSignedRequest(`${sig}.${body}`, SECRET)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('createSignedRequest round-trips', () => {
    const result = parseSignedRequest(createSignedRequest(PAYLOAD, SECRET), SECRET);
    expect(result.ok && result.payload.userId).toBe('218471');
  });
});
