import type { DesignChange } from '../../../shared/assistant/schema';
import { checkChanges } from '../../../shared/assistant/changes';
import type { Design } from '../../../shared/model/types';
import { plural } from '../../../shared/text';

/** Whether a proposal's changes still fit a design: per change why not (null: it fits), and a summary sentence. */
export interface ProposalFit {
  fits: boolean;
  reasons: readonly (string | null)[];
  /** Empty when it fits. */
  summary: string;
}

/**
 * Checks a proposal against the design as it is now: the design may have changed since the answer (a machine
 * renamed or deleted, the proposal applied already). Each change is checked as the ones before it leave the design.
 */
export function proposalFit(design: Design, changes: readonly DesignChange[]): ProposalFit {
  const reasons = checkChanges(design, changes).map((check) => (check.ok ? null : check.error));
  const failing = reasons.filter((r) => r !== null);
  if (failing.length === 0) return { fits: true, reasons, summary: '' };
  const summary = changes.length === 1 ? failing[0]! : `${failing.length} of its ${changes.length} ${plural(changes.length, 'change', 'changes')} cannot be made. ${failing[0]!}`;
  return { fits: false, reasons, summary };
}
