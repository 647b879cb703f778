import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->` in a markdown file
 * (appending the block when the markers are not there yet), so `npm run bench` and
 * `npm run chaos` each refresh their own results and leave the hand-written analysis alone.
 */
export function replaceBlock(file: string, name: string, content: string): void {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${content.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  const next =
    start >= 0 && stop > start
      ? `${current.slice(0, start)}${block}${current.slice(stop + end.length)}`
      : `${current.trimEnd()}${current ? '\n\n' : ''}${block}\n`;
  writeFileSync(file, next);
}
