/**
 * Jest 30 on native ESM. Run via `npm test` (tsc first, so specs can spawn
 * compiled JS from dist/), i.e. node --experimental-vm-modules .../jest.js.
 * tsconfig.json has isolatedModules, so ts-jest transpiles per file without
 * type checking (tsc does that); decorator metadata is still emitted.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  // The sample app's specs show users how to test their own jobs (README, "Testing your jobs").
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/sample-app/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // Fails a spec file that leaves a consumer loop running (needs no database).
  setupFilesAfterEnv: ['<rootDir>/test/helpers/running-consumers.setup.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
  // A guard for CI, not a licence: every spec stops its consumers (test/helpers/running-consumers.setup.ts
  // fails a file that leaves one running), but a driver's idle socket left by a failed test would
  // otherwise keep the run alive until CI's time limit, and nothing would be reported.
  forceExit: true,
};
