// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const LEAF_LIBS = ['livechat-sdk', 'meta-graph', 'persistence', 'queues', 'platform'];
// Leaves that share platform's one failure vocabulary (FailureKind, ClassifiedError, kindOf);
// platform itself imports no lib.
const PLATFORM_USERS = ['livechat-sdk', 'meta-graph', 'queues'];
// Composition libs, built from the leaves and shared by the apps: `credentials` (LiveChat
// credentials, the account directory, connection signals) and `app-wiring` (the modules every app
// wires, worker observability, cleanup job scheduling), which may also import `credentials`.
const COMPOSITION_LIBS = ['credentials', 'app-wiring'];
const LIBS = [...LEAF_LIBS, ...COMPOSITION_LIBS];
const APPS = ['gateway', 'relay-worker', 'cleanup-worker'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/require-await': 'error',
      // \`return promise\` inside try/finally leaves a rejection unhandled while finally runs: a crash.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest DI needs the runtime class of constructor parameters: `import type` would erase it.
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@app/*/*'], message: 'Import a lib only through its index (@app/<lib>).' },
            { group: LIBS.map((l) => `**/libs/${l}/**`), message: 'Import libs through @app/<lib>, never by path.' },
          ],
        },
      ],
    },
  },
  // An app never imports another app.
  ...APPS.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@app/*/*'], message: 'Import a lib only through its index (@app/<lib>).' },
            { group: LIBS.map((l) => `**/libs/${l}/**`), message: 'Import libs through @app/<lib>, never by path.' },
            { group: APPS.filter((a) => a !== app).map((a) => `**/apps/${a}/**`), message: 'An app never imports another app.' },
          ],
        },
      ],
    },
  })),
  // Leaf libs import no other lib (but platform, for some) and no app.
  ...LEAF_LIBS.map((lib) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            PLATFORM_USERS.includes(lib)
              ? { group: ['@app/*', '!@app/platform', '@app/*/*'], message: 'A leaf lib imports only @app/platform (through its index).' }
              : { group: ['@app/*'], message: 'A lib never imports another lib (libs are leaves).' },
            { group: APPS.map((a) => `**/apps/${a}/**`), message: 'A lib never imports an app.' },
          ],
        },
      ],
    },
  })),
  // A composition lib imports leaf libs (through their index), never an app; credentials never
  // imports app-wiring (wiring is built on credentials, not the other way round).
  ...COMPOSITION_LIBS.map((lib) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@app/*/*'], message: 'Import a lib only through its index (@app/<lib>).' },
            { group: [`@app/${lib}`], message: 'Import siblings by relative path inside a lib.' },
            ...(lib === 'credentials'
              ? [{ group: ['@app/app-wiring'], message: 'credentials is below app-wiring: it never imports it.' }]
              : []),
            { group: LIBS.map((l) => `**/libs/${l}/**`), message: 'Import libs through @app/<lib>, never by path.' },
            { group: APPS.map((a) => `**/apps/${a}/**`), message: 'A lib never imports an app.' },
          ],
        },
      ],
    },
  })),
  // Tests and scripts reach into apps and libs on purpose (harnesses, the migration CLI).
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'sandbox/**/*.ts', '**/*.spec.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
