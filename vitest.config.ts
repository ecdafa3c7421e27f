import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Property suites explore thousands of worlds; give them room without hiding a hang.
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
