/**
 * Two tiers. `unit`: `*.spec.ts` beside the code, no Postgres or Redis (no global setup), fast.
 * `e2e`: `*.e2e-spec.ts`, real Postgres and Redis prepared by the global setup, emulators for the
 * platforms. `npm test` runs both; `npm run test:unit` / `npm run test:e2e` run one.
 */
const shared = {
  rootDir: '.',
  roots: ['<rootDir>/apps/', '<rootDir>/libs/', '<rootDir>/test/'],
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
    // ESM-only dependencies (Node 20.19 requires them natively; Jest's runtime cannot).
    '/node_modules/content-disposition/.+\\.js$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.esm-deps.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper: {
    '^@app/(livechat-sdk|meta-graph|persistence|queues|platform|credentials|app-wiring)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      // `*.spec.ts` but not `*.e2e-spec.ts`
      testRegex: '(?<!e2e-)spec\\.ts$',
    },
    {
      ...shared,
      displayName: 'e2e',
      testRegex: '\\.e2e-spec\\.ts$',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
