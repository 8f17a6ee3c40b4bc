import { computeOverlay, type OverlayEdge } from '../../../shared/model/overlay';
import { computeDeployReach } from '../../../shared/model/reachability';
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
  /** How the admin reaches each managed machine for deploy, as a short badge text. */
  reachLabelById: ReadonlyMap<string, string>;
}

const reachLabels: Record<string, string> = {
  direct: 'reachable',
  jumpHost: 'via jump host',
  overlayOnly: 'after VPN is up',
  unreachable: 'not reachable',
};

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
  const reach = computeDeployReach(design) as unknown;
  const reachEntries: [string, { reach: string }][] = reach instanceof Map ? [...(reach as Map<string, { reach: string }>)] : Object.entries(reach as Record<string, { reach: string }>);
  const reachLabelById = new Map<string, string>();
  for (const [id, value] of reachEntries) {
    const label = reachLabels[value.reach];
    if (label !== undefined) reachLabelById.set(id, label);
  }
  lastDerived = { problems, severityById, problemsById, overlay: computeOverlay(design), reachLabelById };
  lastDesign = design;
  return lastDerived;
}
