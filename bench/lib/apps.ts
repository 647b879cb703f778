import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, ProcessSupervisor, REPO_ROOT, StartOptions } from './processes';

export type AppName = 'gateway' | 'relay-worker';

/** How the apps run: the production bundles (`npm run build`) or ts-node (what the tests use). */
export type AppLaunch = 'dist' | 'ts-node';

export interface LaunchPlan {
  launch: AppLaunch;
  /** Why (fresh bundles, rebuilt, or why the build could not be used). */
  note: string;
}

function newestSourceMtime(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') {
          walk(path);
        }
      } else if (/\.(ts|json)$/.test(entry.name) && !/\.spec\.ts$/.test(entry.name)) {
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  for (const dir of dirs) {
    if (existsSync(dir)) {
      walk(dir);
    }
  }
  return newest;
}

function bundlePath(app: AppName): string {
  return join(REPO_ROOT, 'dist', 'apps', app, 'main.js');
}

function bundleFresh(app: AppName): boolean {
  const bundle = bundlePath(app);
  if (!existsSync(bundle)) {
    return false;
  }
  const sources = newestSourceMtime([join(REPO_ROOT, 'apps', app), join(REPO_ROOT, 'libs')]);
  return statSync(bundle).mtimeMs >= sources;
}

/**
 * Uses `dist/apps/<app>/main.js` when it is newer than every source file; otherwise runs
 * `nest build <app>` (what `npm run build` runs per app). When a build fails (a tree being edited),
 * falls back to ts-node, and says so: the report records which was measured.
 */
export function prepareApps(apps: AppName[], log: (line: string) => void): LaunchPlan {
  const stale = apps.filter((app) => !bundleFresh(app));
  if (stale.length === 0) {
    return { launch: 'dist', note: 'production bundles (dist/, up to date)' };
  }
  const nest = join(REPO_ROOT, 'node_modules', '.bin', 'nest');
  for (const app of stale) {
    log(`building ${app} (dist/ missing or older than the sources): nest build ${app}`);
    const result = spawnSync(nest, ['build', app], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    if (result.status !== 0) {
      const why = `${result.stdout ?? ''}${result.stderr ?? ''}`
        .replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
        .split('\n')
        .filter((l) => /error/i.test(l))
        .slice(0, 3)
        .join(' | ');
      log(`nest build ${app} failed: falling back to ts-node for every app (${why})`);
      return {
        launch: 'ts-node',
        note: `ts-node transpile-only (nest build ${app} failed: ${why || 'see output'})`,
      };
    }
  }
  return { launch: 'dist', note: `production bundles (dist/, rebuilt: ${stale.join(', ')})` };
}

/** Starts an app as a process of its own, the way it runs in production. */
export function startApp(
  supervisor: ProcessSupervisor,
  app: AppName,
  launch: AppLaunch,
  name: string,
  env: Record<string, string>,
  options: Omit<StartOptions, 'env'> & { nodeArgs?: string[] } = {},
): ManagedProcess {
  const nodeArgs = options.nodeArgs ?? [];
  if (launch === 'dist') {
    return supervisor.startNode(name, nodeArgs, bundlePath(app), [], { ...options, env });
  }
  return supervisor.startTs(
    name,
    join(REPO_ROOT, 'apps', app, 'src', 'main.ts'),
    [],
    { ...options, env },
    nodeArgs,
  );
}

/** The line each app prints once it works (LOG_LEVEL must be `log` or lower). */
export const READY_LINE: Record<AppName, RegExp> = {
  gateway: /gateway listening/,
  'relay-worker': /relay-worker started/,
};
