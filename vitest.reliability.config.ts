import { defineConfig } from 'vitest/config'

// Kill, damage, fuzz and attack trials (issue 19): run by CI after test:slow, on the built app.
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    pool: 'forks',
    passWithNoTests: true,
  },
})
