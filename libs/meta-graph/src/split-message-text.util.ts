/** Send API text limit: UTF-8 bytes, not characters (an emoji counts 4). */
export const META_TEXT_MAX_BYTES = 1000;

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Splits text into parts of at most `maxBytes` UTF-8 bytes. Breaks after the last newline, else
 * the last whitespace, that fits; never inside a grapheme (unless one grapheme alone is over the
 * limit, then between its code points). Joining the parts gives the original text back.
 */
export function splitMessageText(text: string, maxBytes: number = META_TEXT_MAX_BYTES): string[] {
  if (!(maxBytes >= 4)) {
    throw new Error('maxBytes must be at least 4 (one UTF-8 code point)');
  }
  if (text === '') {
    return [];
  }
  if (byteLength(text) <= maxBytes) {
    return [text];
  }

  const units: string[] = [];
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(
    text,
  )) {
    if (byteLength(segment) <= maxBytes) {
      units.push(segment);
    } else {
      units.push(...Array.from(segment));
    }
  }
  const sizes = units.map(byteLength);

  const parts: string[] = [];
  let start = 0;
  while (start < units.length) {
    let end = start;
    let size = 0;
    let lastNewline = -1;
    let lastSpace = -1;
    while (end < units.length && size + sizes[end] <= maxBytes) {
      if (units[end].includes('\n')) {
        lastNewline = end;
      } else if (/\s/.test(units[end])) {
        lastSpace = end;
      }
      size += sizes[end];
      end++;
    }
    if (end < units.length) {
      if (lastNewline >= start) {
        end = lastNewline + 1;
      } else if (lastSpace >= start) {
        end = lastSpace + 1;
      }
    }
    parts.push(units.slice(start, end).join(''));
    start = end;
  }
  return parts;
}
