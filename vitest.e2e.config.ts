import { defineConfig } from 'vitest/config'

// End-to-end: the built renderer in Debian's Chromium through `serve`, and Electron where its binary exists.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    pool: 'forks',
  },
})
