import type { CSSProperties } from 'react';
import { formatFactor, formatFigure, formatValue, type LeaderboardCell } from '../../../shared/bench/leaderboard';
import type { Unit } from '../../../shared/bench/schema';
import './benchCell.css';

// One benchmark figure as the leaderboard shows it: the value with its unit, the slowest and fastest pair, the
// slowdown factor against the best VPN of the column, tinted from green to red by that factor, and a flag when the
// cell has caveats, which its title (the hover) spells out. The leaderboard's cells and "Measure my network"'s
// benchmark column are this one rendering, so a figure reads the same in both places.

/** What a cell's hover needs to know about its column. */
export interface BenchColumnInfo {
  label: string;
  unit: Unit;
  /** "higher is better" or "lower is better". */
  directionLabel: string;
  /** The workload's caveat, or null. */
  caveat: string | null;
}

/** The hover text of a cell: value and direction, the pairs, the factor, every flag and the column's caveat. */
export function benchCellTitle(column: BenchColumnInfo, cell: LeaderboardCell): string {
  const lines = [`${column.label}: ${cell.value === null ? 'no value' : formatFigure(cell.value, column.unit)} (${column.directionLabel})`];
  if (cell.spread !== null) lines.push(`Pairs: ${formatFigure(cell.spread.min, column.unit)} to ${formatFigure(cell.spread.max, column.unit)}, ${cell.okPairs} of ${cell.totalPairs} succeeded`);
  if (cell.factor !== null) lines.push(cell.isBest ? 'Best in this column' : `${formatFactor(cell.factor)} the best VPN in this column`);
  for (const flag of cell.flags) lines.push(`⚑ ${flag.title}: ${flag.explanation}`);
  if (column.caveat !== null) lines.push(`Note: ${column.caveat}`);
  return lines.join('\n');
}

/** The class of a cell's table cell: tinted, marked best or flagged. */
export function benchCellClass(cell: LeaderboardCell): string {
  return `value-cell${cell.isBest ? ' best' : ''}${cell.flags.length > 0 ? ' flagged' : ''}`;
}

/** The tint of a cell's table cell, from its factor's colour. */
export function benchCellStyle(cell: Pick<LeaderboardCell, 'color'>): CSSProperties | undefined {
  return cell.color === null ? undefined : { ['--factor-color' as string]: cell.color };
}

/** A figure with its unit; with `unitInHeading`, the unit is for screen readers only (the column heading shows it). */
function Figure({ value, unit, unitInHeading }: { value: number; unit: Unit; unitInHeading: boolean }) {
  const text = formatFigure(value, unit);
  const number = formatValue(value);
  if (!unitInHeading || !text.startsWith(number) || number === text) return <>{text}</>;
  return (
    <>
      {number}
      <span className="visually-hidden">{text.slice(number.length)}</span>
    </>
  );
}

/**
 * The inside of a cell: value, spread (when the pairs differ), factor and flag. `unitInHeading`: the table's column
 * heading names the unit, so the cell leaves it out of sight and the column can be narrow (the leaderboard).
 */
export function BenchCellContent({ cell, unit, unitInHeading = false }: { cell: Pick<LeaderboardCell, 'value' | 'spread' | 'factor' | 'flags'>; unit: Unit; unitInHeading?: boolean }) {
  return (
    <>
      <span className="value">{cell.value === null ? '—' : <Figure value={cell.value} unit={unit} unitInHeading={unitInHeading} />}</span>
      {cell.spread !== null && cell.spread.min !== cell.spread.max && (
        <span className="spread">
          {formatValue(cell.spread.min)}–<Figure value={cell.spread.max} unit={unit} unitInHeading={unitInHeading} />
        </span>
      )}
      {cell.factor !== null && <span className="factor">{formatFactor(cell.factor)}</span>}
      {cell.flags.length > 0 && (
        <span className="flag" aria-label={cell.flags.map((f) => f.title).join('; ')}>
          ⚑
        </span>
      )}
    </>
  );
}
