import base from './jest.config.js';

/**
 * The unit layer: test/unit only, pure code and fakes, no database. It reuses the base config's
 * ESM transform and its setupFilesAfterEnv (checks that run after every spec), and leaves out the
 * global setup and teardown that start and stop a database. Run via `npm run test:unit`.
 * @type {import('jest').Config}
 */
const { globalSetup: _setup, globalTeardown: _teardown, ...shared } = base;

export default {
  ...shared,
  testMatch: ['<rootDir>/test/unit/**/*.spec.ts'],
  // A unit test that takes seconds is a unit test waiting on something it should not.
  testTimeout: 5_000,
};
