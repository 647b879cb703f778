import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';

/**
 * Flags for a headless Chromium on a closed network, as root: without the background-networking
 * ones Chromium keeps dialling Google's hosts. Deliberately not the packaged build's own flag list:
 * it turns web security off, which would hide exactly what the security tests check (origins of
 * postMessage, CSP, framing).
 */
const FLAGS = [
  '--headless=shell',
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

function systemChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) {
        return found;
      }
    } catch {
      // not on the PATH
    }
  }
  return undefined;
}

/**
 * Where the browser tests find Chromium: `CHROMIUM_PATH`, else a system Chromium, else the build
 * shipped inside the `@sparticuz/chromium` npm package (a devDependency), so `npm ci && npm test`
 * needs no system browser.
 */
export function chromiumExecutable(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(`CHROMIUM_PATH points at ${configured}, which does not exist`);
    }
    return configured;
  }
  const system = systemChromium();
  if (system) {
    return system;
  }
  return packagedChromium();
}

/**
 * The package is ESM-only, which Jest's CommonJS runtime cannot load: a child Node process asks it
 * for the path (it unpacks the binary under the OS temp folder once, then reuses it).
 */
function packagedChromium(): string {
  const script =
    "import('@sparticuz/chromium').then((m) => m.default.executablePath())" +
    '.then((p) => process.stdout.write(p), (e) => { console.error(e.message); process.exit(1); })';
  try {
    return execFileSync(process.execPath, ['-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 120_000,
    }).trim();
  } catch (error) {
    throw new Error(
      'No Chromium for the browser tests: none on the PATH, CHROMIUM_PATH unset, and the ' +
        `@sparticuz/chromium dev dependency could not unpack its own (${(error as Error).message}). ` +
        'Run npm ci, or set CHROMIUM_PATH.',
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable(), args: FLAGS });
}
