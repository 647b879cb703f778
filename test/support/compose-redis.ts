import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The flags docker-compose.yml starts its Redis with (the `command:` of the `redis` service),
 * minus the program name and any flag whose value comes from the environment (a password): what
 * a test needs to run a redis-server exactly as the compose stack persists it.
 */
export function composeRedisFlags(): string[] {
  const compose = readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8');
  const lines = compose.split('\n');
  const start = lines.findIndex((line) => /^ {2}redis:\s*$/.test(line));
  if (start < 0) {
    throw new Error('docker-compose.yml has no `redis` service');
  }
  let command: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^ {2}\S/.test(line)) {
      break; // the next service
    }
    const match = /^\s+command:\s*(\[.*\])\s*$/.exec(line);
    if (match?.[1]) {
      command = match[1];
      break;
    }
  }
  if (!command) {
    throw new Error('the redis service of docker-compose.yml has no one-line `command: [...]`');
  }
  const tokens = JSON.parse(command) as unknown;
  if (!Array.isArray(tokens) || !tokens.every((t): t is string => typeof t === 'string')) {
    throw new Error('the redis command of docker-compose.yml is not a list of strings');
  }
  const flags = tokens[0] === 'redis-server' ? tokens.slice(1) : tokens;
  const out: string[] = [];
  for (let i = 0; i < flags.length; i += 1) {
    const flag = flags[i] ?? '';
    const value = flags[i + 1];
    if (flag.startsWith('--') && value !== undefined && !value.startsWith('--')) {
      if (!value.includes('${')) {
        out.push(flag, value);
      }
      i += 1;
    } else if (!flag.includes('${')) {
      out.push(flag);
    }
  }
  return out;
}
