import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['tests/setup/postgres.ts'],
    // Vitest's default on a 2-core machine is one worker, and most long tests wait (on child processes, servers,
    // a browser) rather than compute: two files at a time halves the suite's time (8.6 → 5.3 min here).
    maxWorkers: 2,
    // expect.poll waits for a page or a process to reach a state; 1 s (the default) is too short on a loaded CI
    // machine with a browser and a database beside the tests. A ceiling, not a speed assertion.
    expect: { poll: { timeout: 5_000 } },
  },
});
