import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import pkg from './package.json' with { type: 'json' };

// Two projects: fast unit tests (node, or happy-dom per file for components) and end-to-end tests that drive
// Debian's Chromium against serve mode. `npm test` runs both in one run, unit first.
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
          include: ['src/**/*.test.{ts,tsx}', 'test/unit/**/*.test.ts'],
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
