import type { MachineId } from '../../../shared/model/types';
import type { MatrixCell, VerifyMatrix } from '../../../shared/verify/matrix';
import { quote } from '../../../shared/text';
import { cellDescription, cellLook, cellLooks, worseLook, type CellLook } from '../deploy/verifyView';

/** One line the canvas draws for the last verify: a pair of machines, both directions in one. */
export interface VerifyPair {
  /** Stable per pair: `vf:<idA>:<idB>` with the two machine ids sorted. */
  id: string;
  a: MachineId;
  b: MachineId;
  /** The worse of the two directions. */
  look: CellLook;
  /** Both directions by machine name: status, why, the predicted and the observed path. */
  label: string;
}

/**
 * At most this many lines: a sampled run of a large network tests thousands of pairs, and a line per pair would
 * bury the design. Above it only the pairs that need attention are drawn (up to the limit).
 */
export const MAX_VERIFY_LINES = 400;

const cache = new WeakMap<VerifyMatrix, readonly VerifyPair[]>();

/**
 * The lines of a verify result, one per tested pair of machines, computed once per matrix (a report is immutable),
 * so the canvas hands React Flow the same edge objects until another result arrives.
 */
export function verifyPairs(matrix: VerifyMatrix): readonly VerifyPair[] {
  const cached = cache.get(matrix);
  if (cached !== undefined) return cached;
  const groups = new Map<string, { a: MachineId; b: MachineId; cells: MatrixCell[] }>();
  for (const cell of matrix.cells) {
    const [a, b] = cell.from < cell.to ? [cell.from, cell.to] : [cell.to, cell.from];
    const id = `vf:${a}:${b}`;
    const group = groups.get(id);
    if (group === undefined) groups.set(id, { a, b, cells: [cell] });
    else group.cells.push(cell);
  }
  let pairs: VerifyPair[] = [];
  for (const [id, { a, b, cells }] of groups) {
    const look = cells.map(cellLook).reduce(worseLook);
    const first = cells[0]!;
    const [nameA, nameB] = first.from === a ? [first.fromName, first.toName] : [first.toName, first.fromName];
    const label = `Last verify between ${quote(nameA)} and ${quote(nameB)}: ${cellLooks[look].text}. ${cells.map(cellDescription).join(' ')}`;
    pairs.push({ id, a, b, look, label });
  }
  if (pairs.length > MAX_VERIFY_LINES) pairs = pairs.filter((p) => p.look !== 'reached').slice(0, MAX_VERIFY_LINES);
  cache.set(matrix, pairs);
  return pairs;
}
