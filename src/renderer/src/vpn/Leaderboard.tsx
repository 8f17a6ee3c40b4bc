import { useMemo } from 'react';
import { computeFactor, computeLeaderboard, FACTOR_CAP, factorColor, formatFactor, formatFigure } from '../../../shared/bench/leaderboard';
import { getHeadline, getOptimizedCell, getSeriesName, getWorkload, listOptimizedSeries } from '../../../shared/bench/query';
import type { BenchDataset, SeriesId } from '../../../shared/bench/schema';
import type { VpnComparison } from '../../../shared/schema/design';
import type { VpnId } from '../../../shared/vpn/ids';
import { appContext } from '../app/appContext';
import type { SortArgs } from '../commands/comparisonCommands';
import { executeCommand } from '../commands/registry';
import { BenchCellContent, benchCellClass, benchCellStyle, benchCellTitle } from './BenchCell';
import { InUseBadge } from './InUseBadge';
import { ScrollArea } from './ScrollArea';

/** Sorting is view state: no undo step, and the design stays unedited. */
const sortBy = (column: SortArgs['column']) => void executeCommand(appContext, 'sortLeaderboard', { column } satisfies SortArgs);

function ariaSort(comparison: VpnComparison, column: string): 'ascending' | 'descending' | 'none' {
  if (comparison.sort.column !== column) return 'none';
  return comparison.sort.direction === 'bestFirst' ? 'descending' : 'ascending';
}

/**
 * The leaderboard: the ten VPNs (or those the filters let through) and the no-VPN reference, each cell with its
 * value, spread and slowdown factor against the best VPN in the column, coloured green (1.0x) through yellow (2x) to
 * red (4x and worse). The VPN in use is marked; ranks stay those among all ten, whatever the filters hide.
 */
export function Leaderboard({
  dataset,
  comparison,
  focus,
  onFocus,
  inUse,
  shown,
}: {
  dataset: BenchDataset;
  comparison: VpnComparison;
  focus: SeriesId | null;
  onFocus: (vpn: SeriesId) => void;
  inUse: VpnId | null;
  /** The VPNs the filters let through. */
  shown: readonly VpnId[];
}) {
  const board = useMemo(
    () => computeLeaderboard(dataset, { profile: comparison.profile, weights: comparison.weights, scoreProfiles: comparison.scoreProfiles, sort: comparison.sort }),
    [dataset, comparison.profile, comparison.weights, comparison.scoreProfiles, comparison.sort],
  );
  const rows = board.rows.filter((row) => row.isReference || (shown as readonly SeriesId[]).includes(row.series));
  return (
    <ScrollArea label="Leaderboard">
      <table className="leaderboard" data-testid="leaderboard">
        <caption>
          Values are means over three machine pairs; small text shows the slowest and fastest pair. The factor compares each cell with the best VPN in its column. Score: weighted geometric mean of the factors
          {board.scoreProfiles.length > 0 && board.scoreProfiles.join(',') !== board.profile ? ` over the ${board.scoreProfiles.join(' and ')} profiles` : ''} (1.0x = best everywhere).
        </caption>
        <thead>
          <tr>
            <th scope="col" aria-sort={ariaSort(comparison, 'name')}>
              <button type="button" className="sort-button" onClick={() => sortBy('name')}>
                VPN
              </button>
            </th>
            <th scope="col" aria-sort={ariaSort(comparison, 'score')} className="score-col">
              <button type="button" className="sort-button" onClick={() => sortBy('score')} title="Weighted geometric mean of the slowdown factors; lower is better">
                Score
                <span className="direction">lower is better</span>
              </button>
            </th>
            {board.columns.map((column) => (
              <th key={column.workload} scope="col" aria-sort={ariaSort(comparison, column.workload)} title={`${column.description}${column.caveat === null ? '' : `\n${column.caveat}`}`}>
                <button type="button" className="sort-button" onClick={() => sortBy(column.workload)}>
                  {column.shortLabel}
                  <span className="unit">{column.unit}</span>
                  <span className="direction">{column.direction === 'higherIsBetter' ? '↑ higher is better' : '↓ lower is better'}</span>
                  {column.weight > 0 && <span className="weight">weight {column.weight}</span>}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.series} className={`${row.isReference ? 'reference' : ''}${focus === row.series ? ' focused' : ''}${inUse === row.series ? ' in-use' : ''}`} data-series={row.series}>
              <th scope="row">
                <button type="button" className="link-button" onClick={() => onFocus(row.series)}>
                  {row.scoreRank !== null && <span className="rank">{row.scoreRank}.</span>}
                  {row.name}
                </button>
                {row.isReference && <span className="reference-note">reference</span>}
                {inUse === row.series && <InUseBadge />}
              </th>
              <td className="score-cell" style={row.scoreColor === null ? undefined : { borderLeftColor: row.scoreColor }}>
                {row.score === null ? '—' : formatFactor(row.score)}
              </td>
              {row.cells.map((cell, i) => {
                const column = board.columns[i]!;
                return (
                  <td key={cell.workload} className={benchCellClass(cell)} style={benchCellStyle(cell)} title={benchCellTitle(column, cell)} data-workload={cell.workload}>
                    <BenchCellContent cell={cell} unit={column.unit} unitInHeading />
                  </td>
                );
              })}
            </tr>
          ))}
          <OptimizedRows dataset={dataset} board={board} />
        </tbody>
      </table>
    </ScrollArea>
  );
}

/**
 * The TCP-tuned run (kernel settings for reordering and loss, measured for Tailscale + Headscale and the no-VPN
 * link only) as extra rows under the table: compared with the same column bests, never ranked or scored.
 */
function OptimizedRows({ dataset, board }: { dataset: BenchDataset; board: ReturnType<typeof computeLeaderboard> }) {
  const run = dataset.runs.find((r) => r.id === 'optimized');
  if (run === undefined || !run.profiles.includes(board.profile)) return null;
  const tuning = Object.entries(run.tuning ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return (
    <>
      <tr className="optimized-heading">
        <th colSpan={board.columns.length + 2} title={`${run.description}\n${tuning}`}>
          {run.label} ({run.collectedFrom}): kernel TCP tuning, not ranked
        </th>
      </tr>
      {listOptimizedSeries(dataset).map((series) => (
        <tr key={`optimized-${series}`} className="optimized" data-series={`optimized-${series}`}>
          <th scope="row">{getSeriesName(series)}, TCP-tuned</th>
          <td className="score-cell">—</td>
          {board.columns.map((column) => {
            const definition = getWorkload(dataset, column.workload);
            const cell = definition === undefined ? undefined : getOptimizedCell(dataset, series, board.profile, column.workload);
            const value = cell === undefined || definition === undefined ? null : getHeadline(cell, definition);
            if (value === null) {
              return (
                <td key={column.workload} className="value-cell not-measured" title="Not measured in the TCP-tuned run">
                  —
                </td>
              );
            }
            const factor = column.best === null ? null : Math.min(FACTOR_CAP, computeFactor(value, column.best.value, column.direction, column.unit));
            return (
              <td key={column.workload} className="value-cell" style={benchCellStyle({ color: factor === null ? null : factorColor(factor) })} title={`${column.label}: ${formatFigure(value, column.unit)} with kernel TCP tuning`}>
                <BenchCellContent cell={{ value, spread: null, factor, flags: [] }} unit={column.unit} unitInHeading />
              </td>
            );
          })}
        </tr>
      ))}
    </>
  );
}
