import {
  DEFAULT_MEDIA_HOST_ALLOWLIST,
  hostAllowance,
  HostAllowlist,
  parseHostAllowlist,
} from './host-allowlist';

function parsed(value: string): HostAllowlist {
  const list = parseHostAllowlist(value);
  if (!list) {
    throw new Error(`expected ${value} to parse`);
  }
  return list;
}

describe('host allowlist', () => {
  it("default: Meta's CDN hosts by wildcard, nothing else", () => {
    const list = parsed(DEFAULT_MEDIA_HOST_ALLOWLIST);
    expect(hostAllowance(list, 'lookaside.fbsbx.com')).toBe('wildcard');
    expect(hostAllowance(list, 'scontent-iad3-1.xx.fbcdn.net')).toBe('wildcard');
    expect(hostAllowance(list, 'scontent-iad3-1.cdninstagram.com')).toBe('wildcard');
    expect(hostAllowance(list, 'LOOKASIDE.FBSBX.COM.')).toBe('wildcard');
    for (const host of [
      'fbcdn.net',
      'evilfbcdn.net',
      'fbcdn.net.evil.com',
      '127.0.0.1',
      'localhost',
    ]) {
      expect(hostAllowance(list, host)).toBeNull();
    }
  });

  it('names and addresses listed explicitly', () => {
    const list = parsed(' 127.0.0.1 , media.internal,[::1],*.example.com');
    expect(hostAllowance(list, '127.0.0.1')).toBe('explicit');
    expect(hostAllowance(list, 'media.internal')).toBe('explicit');
    expect(hostAllowance(list, '[::1]')).toBe('explicit');
    expect(hostAllowance(list, 'a.b.example.com')).toBe('wildcard');
    expect(hostAllowance(list, 'example.com')).toBeNull();
    expect(hostAllowance(list, '127.0.0.2')).toBeNull();
  });

  it('refuses malformed entries', () => {
    for (const bad of [
      '*',
      '*.com',
      'https://cdn.example.com',
      'cdn.example.com/path',
      'cdn.example.com:443',
      '*.fbcdn.net,',
      'a..b',
      'under_score.example.com',
      '**.example.com',
      'cdn.*.example.com',
    ]) {
      expect(parseHostAllowlist(bad)).toBeNull();
    }
  });
});
