// Figures of a benchmark's timed runs, as the tables in README.md show them.

/** The value at fraction `p` (0.5: median, 0.95: p95) of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

/** Milliseconds to three decimals (microseconds). */
export const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;
