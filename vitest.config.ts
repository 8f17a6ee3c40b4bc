import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import pkg from './package.json' with { type: 'json' };

// Fast unit tests (node, or happy-dom per file for components), end-to-end tests that drive Debian's Chromium
// against serve mode, and SSH lab tests against real sshd servers. `npm test` runs them in one run, in that order.
export default defineConfig({
  plugins: [react()],
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  test: {
    reporters: ['default', './test/summaryReporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
          // Unit tests finish before the end-to-end tests start.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.ts'],
          // A busy CI machine renders slower than a laptop: poll for what a user would see for up to 10 s.
          expect: { poll: { timeout: 10_000 } },
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The SSH lab: real sshd servers in network namespaces (test/lab/). Needs root; skips locally without it and
        // fails under CI=true. One file at a time: each file builds and tears down its own lab.
        extends: true,
        test: {
          name: 'lab',
          include: ['test/integration/**/*.lab.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // Benchmarks: run only by `npm run bench:*`, never by `npm test`. They write JSON under bench-results/.
        extends: true,
        test: {
          name: 'bench',
          include: ['test/bench/**/*.run.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
