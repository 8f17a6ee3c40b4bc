import type { Workload } from '../../../shared/bench/schema';

/** A benchmark number the way people read it: 3 significant digits, thousands grouped, with its unit. */
export function formatValue(value: number | null, unit: Workload['unit']): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits });
  return unit === 'score' || unit === 'count' ? text : `${text} ${unit}`;
}
