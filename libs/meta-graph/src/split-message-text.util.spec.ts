import { META_TEXT_MAX_BYTES, splitMessageText } from './split-message-text.util';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('splitMessageText', () => {
  it('keeps short text whole and drops empty text', () => {
    expect(splitMessageText('hello')).toEqual(['hello']);
    expect(splitMessageText('')).toEqual([]);
    const exact = 'a'.repeat(META_TEXT_MAX_BYTES);
    expect(splitMessageText(exact)).toEqual([exact]);
  });

  it('splits on bytes, not characters, and never breaks an emoji', () => {
    const text = '😀'.repeat(300); // 1200 bytes, 300 characters
    const parts = splitMessageText(text);
    expect(parts.length).toBe(2);
    expect(parts.every((p) => bytes(p) <= META_TEXT_MAX_BYTES)).toBe(true);
    expect(parts.join('')).toBe(text);
    expect(parts.every((p) => /^(😀)+$/u.test(p))).toBe(true);
  });

  it('keeps grapheme clusters (skin tones, ZWJ families) whole', () => {
    const family = '👨‍👩‍👧‍👦'; // 25 bytes
    const text = family.repeat(50);
    const parts = splitMessageText(text, 100);
    expect(parts.join('')).toBe(text);
    expect(parts.every((p) => p.split(family).every((rest) => rest === ''))).toBe(true);
  });

  it('prefers newlines, then spaces', () => {
    const paragraph = `${'word '.repeat(150)}\n${'next '.repeat(150)}`;
    const parts = splitMessageText(paragraph);
    expect(parts[0].endsWith('\n')).toBe(true);
    expect(parts.join('')).toBe(paragraph);
    const words = 'lorem ipsum '.repeat(120);
    const wordParts = splitMessageText(words);
    expect(wordParts.every((p) => bytes(p) <= META_TEXT_MAX_BYTES)).toBe(true);
    expect(wordParts.slice(0, -1).every((p) => p.endsWith(' '))).toBe(true);
  });

  it('hard-splits a single long word', () => {
    const text = 'x'.repeat(2500);
    expect(splitMessageText(text).map((p) => p.length)).toEqual([1000, 1000, 500]);
  });

  it('refuses a limit smaller than one code point', () => {
    expect(() => splitMessageText('abc', 3)).toThrow();
  });
});
