import { computeOverlay, type OverlayEdge } from '../../../shared/model/overlay';
import type { Design } from '../../../shared/model/types';
import type { Problem } from '../../../shared/validation/types';
import { validateDesign } from '../../../shared/validation/validate';

/** Everything the UI derives from a design: problems, badges, the overlay mesh. */
export interface Derived {
  problems: readonly Problem[];
  /** The worst problem severity per item id (errors and warnings only). */
  severityById: ReadonlyMap<string, 'error' | 'warning'>;
  /** Problems per item id, for inline validation in the inspector. */
  problemsById: ReadonlyMap<string, readonly Problem[]>;
  overlay: readonly OverlayEdge[];
}

let lastDesign: Design | undefined;
let lastDerived: Derived | undefined;

/**
 * Computes the derived state once per design object: the canvas, the problems panel and the inspector all ask
 * for the same design and share one result.
 */
export function getDerived(design: Design): Derived {
  if (design === lastDesign && lastDerived !== undefined) return lastDerived;
  const problems = validateDesign(design);
  const severityById = new Map<string, 'error' | 'warning'>();
  const problemsById = new Map<string, Problem[]>();
  for (const problem of problems) {
    for (const id of problem.itemIds) {
      const list = problemsById.get(id) ?? [];
      list.push(problem);
      problemsById.set(id, list);
      if (problem.severity === 'error') severityById.set(id, 'error');
      else if (problem.severity === 'warning' && !severityById.has(id)) severityById.set(id, 'warning');
    }
  }
  lastDerived = { problems, severityById, problemsById, overlay: computeOverlay(design) };
  lastDesign = design;
  return lastDerived;
}
