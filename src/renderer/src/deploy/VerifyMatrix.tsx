import { memo, useId, useMemo, useState, type KeyboardEvent } from 'react';
import type { MachineSummary, MatrixCell, VerifyMatrix } from '../../../shared/verify/matrix';
import { quote } from '../../../shared/text';
import { cellDescription, cellLook, cellLooks, lookOrder, pathSentence, type CellLook } from './verifyView';

/** Above this many machines the grid shows only the machines of pairs that were not reached (a 200 × 200 grid helps no one). */
export const GRID_LIMIT = 60;

/** The machines the grid shows: all of them, or in a large run those of the pairs that need attention. */
export function gridMachines(matrix: VerifyMatrix): { machines: readonly MachineSummary[]; partial: boolean } {
  if (matrix.machines.length <= GRID_LIMIT) return { machines: matrix.machines, partial: false };
  const involved = new Set(matrix.cells.filter((c) => cellLook(c) !== 'reached').flatMap((c) => [c.from, c.to]));
  return { machines: matrix.machines.filter((m) => involved.has(m.id)).slice(0, GRID_LIMIT), partial: true };
}

const key = (from: string, to: string) => `${from}>${to}`;

/** The colours and symbols of the matrix (and of the canvas lines), explained. */
export function VerifyLegend({ sampled }: { sampled: boolean }) {
  return (
    <ul className="verify-legend" aria-label="Legend of the matrix" data-testid="verify-legend">
      {lookOrder.map((look) => (
        <li key={look}>
          <span className={`verify-swatch verify-${look}`} aria-hidden="true">
            {cellLooks[look].symbol}
          </span>
          {look === 'untested' ? 'not tested: the app could not log in over SSH' : cellLooks[look].legend}
        </li>
      ))}
      {sampled && (
        <li>
          <span className="verify-swatch verify-notSampled" aria-hidden="true" />
          not in the sample
        </li>
      )}
    </ul>
  );
}

/** How a grid cell looks: a tested pair's look, a pair outside the sample, or a machine against itself. */
type GridLook = CellLook | 'notSampled' | 'self';

/** What a cell says about its pair: the accessible name and tooltip, and its look. */
function describe(from: MachineSummary, to: MachineSummary, cell: MatrixCell | undefined, sampled: boolean): { look: GridLook; label: string } {
  if (from.id === to.id) return { look: 'self', label: `${quote(from.name)} itself: a machine is not tested against itself.` };
  if (cell === undefined) {
    return { look: 'notSampled', label: `${quote(from.name)} to ${quote(to.name)}: not tested. ${sampled ? 'This pair was not in the sample of this run.' : 'This pair was not part of this run.'}` };
  }
  return { look: cellLook(cell), label: cellDescription(cell) };
}

/**
 * One cell: a button with the pair's status as colour and symbol, its whole story as name and tooltip. The picked
 * cell (the one explained under the grid) keeps a ring after a click moved the focus elsewhere, so the text below
 * can be matched to its cell.
 */
const GridCell = memo(function GridCell({ row, col, look, label, active, picked, testId, onPick }: { row: number; col: number; look: GridLook; label: string; active: boolean; picked: boolean; testId: string; onPick: (row: number, col: number) => void }) {
  return (
    <td role="gridcell" className={`verify-td verify-td-${look}`} aria-selected={picked}>
      <button
        type="button"
        className={`verify-cell verify-${look}${picked ? ' verify-cell-picked' : ''}`}
        tabIndex={active ? 0 : -1}
        aria-label={label}
        title={label}
        data-row={row}
        data-col={col}
        data-status={look}
        data-testid={testId}
        onClick={() => onPick(row, col)}
        onFocus={() => onPick(row, col)}
      >
        <span aria-hidden="true">{look === 'self' || look === 'notSampled' ? '' : cellLooks[look].symbol}</span>
      </button>
    </td>
  );
});

/**
 * The reachability matrix as an N × N grid: rows ping, columns answer. Each cell is coloured and marked by its
 * status, says in its name and tooltip who pinged whom, how it went, why, and the predicted and observed path, and
 * is reached with the arrow keys (one tab stop for the whole grid). The headers stay in view while it scrolls.
 */
export function VerifyMatrixGrid({ matrix }: { matrix: VerifyMatrix }) {
  const { machines, partial } = useMemo(() => gridMachines(matrix), [matrix]);
  const cells = useMemo(() => new Map(matrix.cells.map((c) => [key(c.from, c.to), c])), [matrix]);
  // Every cell's look and sentence, once per result (picking a cell re-renders the grid, not these).
  const described = useMemo(() => machines.map((from) => machines.map((to) => describe(from, to, cells.get(key(from.id, to.id)), matrix.sampled))), [machines, cells, matrix.sampled]);
  // The grid's one tab stop starts on the first pair that needs attention, else the first pair.
  const [active, setActive] = useState<{ row: number; col: number }>(() => {
    for (let r = 0; r < machines.length; r += 1) {
      for (let c = 0; c < machines.length; c += 1) {
        const cell = cells.get(key(machines[r]!.id, machines[c]!.id));
        if (cell !== undefined && cellLook(cell) !== 'reached') return { row: r, col: c };
      }
    }
    return { row: 0, col: machines.length > 1 ? 1 : 0 };
  });
  const [picked, setPicked] = useState<{ row: number; col: number } | null>(null);
  const captionId = useId();
  const n = machines.length;
  const row = Math.min(active.row, Math.max(0, n - 1));
  const col = Math.min(active.col, Math.max(0, n - 1));

  const onPick = useMemo(
    () => (r: number, c: number) => {
      setActive({ row: r, col: c });
      setPicked({ row: r, col: c });
    },
    [],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLTableElement>) => {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    let next: { row: number; col: number } | null = null;
    const move = moves[e.key];
    if (move !== undefined) next = { row: Math.min(n - 1, Math.max(0, row + move[0])), col: Math.min(n - 1, Math.max(0, col + move[1])) };
    else if (e.key === 'Home') next = { row: e.ctrlKey ? 0 : row, col: 0 };
    else if (e.key === 'End') next = { row: e.ctrlKey ? n - 1 : row, col: n - 1 };
    if (next === null) return;
    e.preventDefault();
    setActive(next);
    e.currentTarget.querySelector<HTMLButtonElement>(`button[data-row="${next.row}"][data-col="${next.col}"]`)?.focus();
  };

  if (n === 0) return <p className="muted">No machine was verified, so there is no matrix.</p>;
  const shown = picked === null || picked.row >= n || picked.col >= n ? null : { from: machines[picked.row]!, to: machines[picked.col]! };
  const shownCell = shown === null ? undefined : cells.get(key(shown.from.id, shown.to.id));
  return (
    <div className="verify-matrix" data-testid="verify-matrix">
      {partial && (
        <p className="plan-warning" data-testid="verify-grid-partial">
          This run verified {matrix.machines.length} machines; the grid shows only the {n} machines of pairs that were not fully reached or not tested{n === GRID_LIMIT ? ` (the first ${GRID_LIMIT})` : ''}. The list below names the pairs that need attention.
        </p>
      )}
      <div className="verify-grid-scroll">
        <table className="verify-grid" role="grid" aria-labelledby={captionId} aria-rowcount={n + 1} aria-colcount={n + 1} onKeyDown={onKeyDown}>
          <caption id={captionId} className="visually-hidden">
            Which machine reaches which over the VPN: each row is the machine that pings, each column the machine that answers.
          </caption>
          <thead>
            <tr>
              <th scope="col" className="verify-corner">
                <span className="verify-corner-text">
                  pings ↓ <br /> answers →
                </span>
              </th>
              {machines.map((m) => (
                <th key={m.id} scope="col" className="verify-col-head" title={m.name}>
                  <span>{m.name}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {machines.map((from, r) => (
              <tr key={from.id}>
                <th scope="row" className="verify-row-head" title={from.name}>
                  {from.name}
                </th>
                {machines.map((to, c) => {
                  const { look, label } = described[r]![c]!;
                  return <GridCell key={to.id} row={r} col={c} look={look} label={label} active={r === row && c === col} picked={shown !== null && picked?.row === r && picked.col === c} testId={`verify-cell-${from.name}-${to.name}`} onPick={onPick} />;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="verify-cell-detail" data-testid="verify-cell-detail">
        {shown === null ? (
          <p className="muted">Pick a cell (click it, or move to it with the arrow keys) to read what happened between the two machines.</p>
        ) : shown.from.id === shown.to.id ? (
          <p className="muted">A machine is not tested against itself.</p>
        ) : shownCell === undefined ? (
          <p>
            <strong>
              {shown.from.name} → {shown.to.name}:
            </strong>{' '}
            not tested. {matrix.sampled ? 'This pair was not in the sample of this run.' : 'This pair was not part of this run.'}
          </p>
        ) : (
          <CellDetail cell={shownCell} />
        )}
      </div>
    </div>
  );
}

/** Everything about one pair: status, why, the pings, and the path as predicted and as observed. */
function CellDetail({ cell }: { cell: MatrixCell }) {
  const look = cellLook(cell);
  const ping = cell.ping;
  return (
    <>
      <p>
        <span className={`verify-swatch verify-${look}`} aria-hidden="true">
          {cellLooks[look].symbol}
        </span>{' '}
        <strong>
          {cell.fromName} → {cell.toName}: {cellLooks[look].text}.
        </strong>{' '}
        {cell.reason}
      </p>
      <p className="deploy-meta">
        {cell.address === null ? 'No overlay address was known to ping.' : `Pinged at ${cell.address}`}
        {ping !== null && ping.problem === null ? ` · ${ping.received} of ${ping.sent} answered${ping.rttAvgMs === null ? '' : ` · average ${ping.rttAvgMs.toFixed(1)} ms`}` : ''}
        {ping?.tcp != null ? ` · TCP port ${ping.tcp.port}: ${ping.tcp.state === 'open' ? 'open' : ping.tcp.state === 'closed' ? 'closed' : 'not tried (no nc on the machine)'}` : ''}
      </p>
      <p>{pathSentence(cell.path)}</p>
      {cell.path.predictedReason !== null && <p className="deploy-meta">Why that is predicted: {cell.path.predictedReason}</p>}
    </>
  );
}
