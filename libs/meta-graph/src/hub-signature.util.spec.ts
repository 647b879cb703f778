import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeHubSignature, verifyHubChallenge, verifyHubSignature } from './hub-signature.util';

const SECRET = 'app-secret-for-tests';

function sign(body: Buffer | string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('verifyHubSignature', () => {
  // The fixture holds the bytes exactly as Meta sends them: \uXXXX escapes and \/ slashes.
  const raw = readFileSync(join(__dirname, 'fixtures', 'text-emoji.json'));

  it('uses a body that really has escaped non-ASCII (the case that breaks re-serialising)', () => {
    expect(raw.toString('utf8')).toContain('\\ud83d\\ude00');
    expect(raw.every((byte) => byte < 0x80)).toBe(true);
  });

  it('verifies the raw bytes, and re-serialised JSON does not verify', () => {
    const header = sign(raw);
    expect(verifyHubSignature(raw, header, [SECRET])).toBe(true);

    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))), 'utf8');
    expect(reserialised.equals(raw)).toBe(false);
    expect(verifyHubSignature(reserialised, header, [SECRET])).toBe(false);
  });

  it('accepts any of several candidate secrets', () => {
    const header = sign(raw, 'instagram-app-secret');
    expect(verifyHubSignature(raw, header, [SECRET, 'instagram-app-secret'])).toBe(true);
    expect(verifyHubSignature(raw, header, [SECRET])).toBe(false);
  });

  it('rejects missing, malformed and wrong signatures', () => {
    const good = sign(raw);
    expect(verifyHubSignature(raw, undefined, [SECRET])).toBe(false);
    expect(verifyHubSignature(raw, '', [SECRET])).toBe(false);
    expect(verifyHubSignature(raw, good.replace('sha256=', 'sha1='), [SECRET])).toBe(false);
    expect(verifyHubSignature(raw, good.slice(0, -2), [SECRET])).toBe(false);
    expect(verifyHubSignature(raw, 'sha256=' + 'zz'.repeat(32), [SECRET])).toBe(false);
    expect(verifyHubSignature(raw, sign(raw, 'other'), [SECRET])).toBe(false);
    expect(verifyHubSignature(raw, good, [])).toBe(false);
    expect(verifyHubSignature(raw, good, [''])).toBe(false);
    const tampered = Buffer.from(raw);
    tampered[tampered.length - 3] ^= 1;
    expect(verifyHubSignature(tampered, good, [SECRET])).toBe(false);
  });

  it('tolerates upper-case hex and prefix, and matches computeHubSignature', () => {
    const good = computeHubSignature(raw, SECRET);
    expect(good).toBe(sign(raw));
    expect(verifyHubSignature(raw, good.toUpperCase(), [SECRET])).toBe(true);
  });
});

describe('verifyHubChallenge', () => {
  it('echoes the challenge for the right token', () => {
    expect(
      verifyHubChallenge(
        { 'hub.mode': 'subscribe', 'hub.verify_token': 'vt', 'hub.challenge': '1158201444' },
        'vt',
      ),
    ).toEqual({ ok: true, challenge: '1158201444' });
  });

  it('accepts the underscore spelling some parsers produce', () => {
    expect(
      verifyHubChallenge(
        { hub_mode: 'subscribe', hub_verify_token: 'vt', hub_challenge: '7' },
        'vt',
      ),
    ).toEqual({ ok: true, challenge: '7' });
  });

  it.each([
    [{ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' }, 'vt'],
    [{ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'vt', 'hub.challenge': '1' }, 'vt'],
    [{ 'hub.mode': 'subscribe', 'hub.verify_token': 'vt' }, 'vt'],
    [{ 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': '1' }, ''],
  ])('refuses %j', (query, token) => {
    expect(verifyHubChallenge(query, token)).toEqual({ ok: false });
  });
});
