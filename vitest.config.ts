import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Fault, crash and concurrency suites run real processes; 2 loaded cores can take several times their idle time.
    testTimeout: 1_200_000,
    hookTimeout: 60_000,
  },
});
