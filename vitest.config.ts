import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores here: native addons (DuckDB, SQLite) and crypto are CPU-bound.
    maxWorkers: 2,
    reporters: ['default'],
  },
})
