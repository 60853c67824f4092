import { defineConfig } from 'vitest/config'

// Reliability: hostile network input against a real serve process, damaged files, kill -9 soaks and
// config fuzzing, seeded so every failure reproduces. Run by CI after test:slow.
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
