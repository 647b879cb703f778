import * as ts from 'typescript';
import { SETTINGS_BUNDLE } from '../../apps/gateway/src/settings/settings-bundle.generated';
import {
  buildSettingsBundle,
  WEB_SOURCES,
} from '../../apps/gateway/src/settings/web/build-settings-bundle';

const REBUILD =
  'settings-bundle.generated.ts is out of date: run ' +
  '`npx ts-node --transpile-only apps/gateway/src/settings/web/build-settings-bundle.ts`';

describe('the settings page bundle', () => {
  it('is what the sources build to (the committed module is not stale)', async () => {
    const fresh = await buildSettingsBundle();
    expect({ version: SETTINGS_BUNDLE.version, hint: REBUILD }).toEqual({
      version: fresh.version,
      hint: REBUILD,
    });
    expect(SETTINGS_BUNDLE.js).toBe(fresh.js);
    expect(SETTINGS_BUNDLE.css).toBe(fresh.css);
  });

  it('stays small', () => {
    expect(Buffer.byteLength(SETTINGS_BUNDLE.js)).toBeLessThan(30 * 1024);
    expect(Buffer.byteLength(SETTINGS_BUNDLE.css)).toBeLessThan(15 * 1024);
  });

  it('type-checks in strict mode against the DOM library', () => {
    const program = ts.createProgram([WEB_SOURCES.entry], {
      strict: true,
      noEmit: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitOverride: true,
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      return `${where ? `${where.line + 1}:${where.character + 1} ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  });
});
