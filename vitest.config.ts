import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real servers and subprocesses; forks keep native addons (DuckDB, rdkafka) isolated.
    pool: 'forks',
    globalSetup: ['test/support/temp-root.ts'],
  },
});
