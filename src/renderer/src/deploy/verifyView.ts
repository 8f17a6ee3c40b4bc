import type { OverlayPath } from '../../../shared/model/overlay';
import type { MatrixCell, PairPath } from '../../../shared/verify/matrix';
import { quote } from '../../../shared/text';

// How a verify result looks wherever it is shown (the Verify tab's matrix, the canvas lines, their legends): the
// colour class, symbol and words of each pair's status, and the sentences a cell's tooltip and accessible name say.
// Types only from the matrix module: the canvas reads this on the first screen, which does without the generator.

/**
 * How a tested pair is shown. `untested`: no ping ran because the app could not log in to one of the two machines
 * over SSH, which says nothing about the VPN.
 */
export type CellLook = 'reached' | 'partly' | 'notReached' | 'untested';

/** The symbol (so colour is never the only cue), the word and the legend's explanation of each look. */
export const cellLooks: Record<CellLook, { symbol: string; text: string; legend: string }> = {
  reached: { symbol: '✓', text: 'reached', legend: 'reached: every ping answered' },
  partly: { symbol: '◐', text: 'partly reached', legend: 'partly: some pings lost' },
  notReached: { symbol: '✕', text: 'not reached', legend: 'not reached' },
  untested: { symbol: '–', text: 'not tested', legend: 'not tested: no SSH login' },
};

/** The order looks are listed in legends. */
export const lookOrder: readonly CellLook[] = ['reached', 'partly', 'notReached', 'untested'];

/** How a tested pair is shown. */
export function cellLook(cell: MatrixCell): CellLook {
  return cell.cause === 'sshUnreachable' ? 'untested' : cell.status;
}

/** The worse of two looks, for a line that stands for both directions of a pair. */
export function worseLook(a: CellLook, b: CellLook): CellLook {
  const rank: Record<CellLook, number> = { notReached: 3, partly: 2, untested: 1, reached: 0 };
  return rank[a] >= rank[b] ? a : b;
}

/** Paths in words. */
export const pathNames: Record<OverlayPath | 'unknown', string> = {
  lan: 'on the local network',
  direct: 'direct',
  holePunched: 'hole-punched',
  relayed: 'relayed',
  unreachable: 'unreachable',
  unknown: 'unknown',
};

/** The predicted and the observed path of a pair, in one sentence. */
export function pathSentence(path: PairPath): string {
  const predicted = path.predicted === null ? 'none' : pathNames[path.predicted];
  // The VPN's words are a sentence of their own; inside the parenthesis its full stop would double the sentence's.
  const observed = path.shown === 'unknown' ? `unknown (${path.detail.replace(/\.+$/, '')})` : `${pathNames[path.shown]}${path.via === null ? '' : ` via ${path.via}`}`;
  const verdict = path.matchesPrediction === false ? ', which differs from the prediction' : path.matchesPrediction === true ? ', as predicted' : '';
  return `Path predicted: ${predicted}; observed: ${observed}${verdict}.`;
}

/** What one cell says, for its tooltip and its accessible name: the pair by name, how it went, why, and the path. */
export function cellDescription(cell: MatrixCell): string {
  return `${quote(cell.fromName)} to ${quote(cell.toName)}: ${cellLooks[cellLook(cell)].text}. ${cell.reason} ${pathSentence(cell.path)}`;
}
