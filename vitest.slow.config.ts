import { defineConfig } from 'vitest/config'

// Long end-to-end scenarios (full UI walkthroughs, multi-run comparisons): run by CI after `npm test`.
export default defineConfig({
  test: {
    include: ['tests/slow/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    pool: 'forks',
    passWithNoTests: true,
  },
})
