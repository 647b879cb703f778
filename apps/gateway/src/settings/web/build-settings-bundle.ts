/**
 * Builds the settings page's browser code and stylesheet into `../settings-bundle.generated.ts`,
 * a module the gateway imports: the bundle then ships inside `dist/apps/gateway/main.js` (the
 * runtime image has neither esbuild nor the sources), needs no build step in tests, and works from
 * a clean clone. Never imported by the gateway itself (esbuild is a dev dependency).
 *
 *   npx ts-node --transpile-only apps/gateway/src/settings/web/build-settings-bundle.ts
 *
 * `test/settings/settings-bundle.e2e-spec.ts` rebuilds it and fails when the committed module is
 * out of date, and type-checks the browser code against the DOM library.
 */
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const WEB_SOURCES = {
  entry: join(__dirname, 'settings-app.mts'),
  css: join(__dirname, 'settings.css'),
};
export const GENERATED_MODULE = join(__dirname, '..', 'settings-bundle.generated.ts');

export interface SettingsBundle {
  /** Content hash: the asset URLs carry it, so browsers may cache them for a year. */
  version: string;
  js: string;
  css: string;
}

export async function buildSettingsBundle(): Promise<SettingsBundle> {
  const script = await build({
    entryPoints: [WEB_SOURCES.entry],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const js = script.outputFiles[0]?.text ?? '';
  const css = await transform(await readFile(WEB_SOURCES.css, 'utf8'), {
    loader: 'css',
    minify: true,
    target: ['chrome90', 'firefox90', 'safari14'],
    legalComments: 'none',
    charset: 'utf8',
  });
  const version = createHash('sha256')
    .update(js)
    .update('\0')
    .update(css.code)
    .digest('hex')
    .slice(0, 12);
  return { version, js, css: css.code };
}

export function renderGeneratedModule(bundle: SettingsBundle): string {
  return `// GENERATED from web/settings-app.mts and web/settings.css by web/build-settings-bundle.ts.
// Do not edit: change the sources, then run
//   npx ts-node --transpile-only apps/gateway/src/settings/web/build-settings-bundle.ts
export const SETTINGS_BUNDLE: { version: string; js: string; css: string } = {
  version: ${JSON.stringify(bundle.version)},
  js: ${JSON.stringify(bundle.js)},
  css: ${JSON.stringify(bundle.css)},
};
`;
}

async function main(): Promise<void> {
  const bundle = await buildSettingsBundle();
  // Formatted as `npm run format` would leave it (prettier loads lazily: it needs native ESM).
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(GENERATED_MODULE)) ?? {};
  const source = await prettier.format(renderGeneratedModule(bundle), {
    ...options,
    filepath: GENERATED_MODULE,
  });
  await writeFile(GENERATED_MODULE, source, 'utf8');
  process.stdout.write(
    `settings bundle ${bundle.version}: ${bundle.js.length} B script, ${bundle.css.length} B stylesheet\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
