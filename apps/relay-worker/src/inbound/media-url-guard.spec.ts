import type { LookupAddress } from 'node:dns';
import { parseHostAllowlist } from '@app/platform';
import {
  checkMediaUrl,
  guardedLookup,
  isNonPublicAddress,
  loggableUrl,
  MediaHop,
  MediaUrlRefusedError,
} from './media-url-guard';

const allowlist = parseHostAllowlist('*.fbcdn.net,127.0.0.1,media.internal')!;

function refusal(url: string): string | undefined {
  try {
    checkMediaUrl(new URL(url), allowlist);
    return undefined;
  } catch (error) {
    return error instanceof MediaUrlRefusedError ? error.code : String(error);
  }
}

/** Runs the hop's lookup against fixed DNS answers; resolves to the addresses or the error. */
function lookup(
  hop: MediaHop,
  answers: LookupAddress[],
): Promise<{ error: NodeJS.ErrnoException | null; addresses: LookupAddress[] }> {
  const resolve = (): Promise<LookupAddress[]> => Promise.resolve(answers);
  return new Promise((done) => {
    guardedLookup(hop, resolve)('cdn.example', { all: true }, (error, addresses) =>
      done({ error, addresses: (addresses as unknown as LookupAddress[]) ?? [] }),
    );
  });
}

describe('media URL guard', () => {
  it('allows https to an allowed host, and plain http only to a loopback host listed by name', () => {
    expect(refusal('https://scontent.xx.fbcdn.net/v/a.jpg?oh=sig')).toBeUndefined();
    expect(refusal('http://127.0.0.1:8080/cdn/1')).toBeUndefined();
    expect(refusal('https://media.internal/a.jpg')).toBeUndefined();
  });

  it('refuses other hosts, schemes, plain http off loopback, and credentials', () => {
    expect(refusal('https://evil.example/a.jpg')).toBe('host');
    expect(refusal('https://10.0.0.1/a.jpg')).toBe('host');
    expect(refusal('https://169.254.169.254/latest/meta-data')).toBe('host');
    expect(refusal('https://[::1]/a.jpg')).toBe('host');
    expect(refusal('http://localhost:8080/a.jpg')).toBe('host');
    expect(refusal('http://2130706434/a.jpg')).toBe('host'); // 127.0.0.2, spelled as a number
    expect(refusal('http://scontent.xx.fbcdn.net/a.jpg')).toBe('plain-http');
    expect(refusal('http://media.internal/a.jpg')).toBeUndefined(); // checked at connect: loopback only
    expect(refusal('ftp://scontent.xx.fbcdn.net/a.jpg')).toBe('scheme');
    expect(refusal('file:///etc/passwd')).toBe('scheme');
    expect(refusal('https://u:p@scontent.xx.fbcdn.net/a.jpg')).toBe('malformed');
  });

  it('classifies addresses', () => {
    for (const address of [
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      expect(isNonPublicAddress(address)).toBe(true);
    }
    for (const address of ['157.240.1.1', '31.13.64.1', '2a03:2880:f003:c07:face:b00c::2']) {
      expect(isNonPublicAddress(address)).toBe(false);
    }
  });

  it('refuses a wildcard host that resolves to an internal address (DNS rebinding), at connect time', async () => {
    const hop = checkMediaUrl(new URL('https://rebind.fbcdn.net/a.jpg'), allowlist);
    const internal = await lookup(hop, [
      { address: '157.240.1.1', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
    expect(internal.error).toBeInstanceOf(MediaUrlRefusedError);
    expect((internal.error as MediaUrlRefusedError).code).toBe('address');
    const loopback = await lookup(hop, [{ address: '::ffff:127.0.0.1', family: 6 }]);
    expect((loopback.error as MediaUrlRefusedError).code).toBe('address');
    const fine = await lookup(hop, [{ address: '157.240.1.1', family: 4 }]);
    expect(fine.error).toBeNull();
    expect(fine.addresses).toEqual([{ address: '157.240.1.1', family: 4 }]);
  });

  it('lets a host listed by name resolve to a private address, but plain http only to loopback', async () => {
    const https = checkMediaUrl(new URL('https://media.internal/a.jpg'), allowlist);
    expect((await lookup(https, [{ address: '10.0.0.7', family: 4 }])).error).toBeNull();
    const http = checkMediaUrl(new URL('http://media.internal/a.jpg'), allowlist);
    expect((await lookup(http, [{ address: '127.0.0.1', family: 4 }])).error).toBeNull();
    const off = await lookup(http, [{ address: '10.0.0.7', family: 4 }]);
    expect((off.error as MediaUrlRefusedError).code).toBe('plain-http');
  });

  it('logs URLs without their query string', () => {
    expect(
      loggableUrl('https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=s'),
    ).toBe('https://lookaside.fbsbx.com/ig_messaging_cdn/');
    expect(loggableUrl('not a url')).toBe('(malformed URL)');
  });
});
