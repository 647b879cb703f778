import { ChildProcess, spawn } from 'node:child_process';

export type AppName = 'gateway' | 'relay-worker' | 'cleanup-worker';

export interface SpawnedApp {
  child: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
}

/** Runs an app's real main.ts (transpiled on the fly) as a process of its own. */
export function spawnApp(app: AppName, env: Record<string, string>): SpawnedApp {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      `apps/${app}/src/main.ts`,
    ],
    {
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: 'tsconfig.json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}
