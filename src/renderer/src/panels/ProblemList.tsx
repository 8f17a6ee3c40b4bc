import type { Design } from '../../../shared/model/types';
import type { Problem } from '../../../shared/validation/types';
import { appContext } from '../app/appContext';
import { ExplainButton } from '../assistant/ExplainButton';
import type { ApplyFixArgs } from '../commands/designCommands';
import { executeCommand } from '../commands/registry';
import { getDocument, useDesign } from '../stores/designStore';
import { useSelectionStore } from '../stores/selectionStore';
import { useUiStore } from '../stores/uiStore';
import { problemTarget, type InspectorField } from './problemTargets';
import './problems.css';

const severityLabel = { error: 'Error', warning: 'Warning', info: 'Note' } as const;

/** Applies a problem's one-click fix as one undo step, and selects what it changed. */
function fix(problem: Problem): void {
  if (problem.fix === undefined) return;
  void executeCommand(appContext, 'applyFix', { fix: problem.fix, select: problem.itemIds } satisfies ApplyFixArgs);
}

/**
 * Opens the Design area on items: selects them, centres them on the canvas and puts the cursor in the inspector
 * field, when one is named. The inspector shows one item's fields, so going to a field selects the first item only.
 */
export function showInDesign(ids: readonly string[], field: InspectorField | null): void {
  useSelectionStore.getState().requestFocus(field === null ? ids : ids.slice(0, 1), field);
  useUiStore.getState().setActiveArea('design');
}

/** Goes to where a problem is fixed: its items, and the field to fill (problemTarget). */
export function showProblem(problem: Problem, design: Design = getDocument().design): void {
  const target = problemTarget(problem, design);
  showInDesign(target.ids, target.field);
}

/** What "Explain with the assistant" attaches for a problem: its message, which says what, why and what to do. */
function explainArgs(problem: Problem) {
  const fix = problem.fix === undefined ? '' : ` The app offers a fix: “${problem.fix.label}”.`;
  return {
    item: { kind: 'problem' as const, title: `${severityLabel[problem.severity]}: ${problem.message.split('. ')[0]!.slice(0, 200)}`, text: `${problem.message}${fix}` },
    question: 'Why does this problem matter for my network, and what should I do about it?',
  };
}

/**
 * A list of problems. Clicking one selects its items and puts the cursor in the field to fill; beside it, its
 * one-click fix, or else a button naming that field ("Enter the SSH address"). `openInDesign` is for lists outside
 * the Design area (the Deploy area): each problem gets "Show in the Design area".
 */
export function ProblemList({ problems, compact = false, openInDesign = false }: { problems: readonly Problem[]; compact?: boolean; openInDesign?: boolean }) {
  const design = useDesign((s) => s.design);
  return (
    <ul className={`problem-list${compact ? ' compact' : ''}`}>
      {problems.map((problem, index) => {
        const target = problemTarget(problem, design);
        const canGo = target.ids.length > 0 || target.field !== null;
        return (
          <li key={`${problem.code}-${problem.itemIds.join(',')}-${index}`} className={`problem problem-${problem.severity}`}>
            <button
              type="button"
              className="problem-main"
              disabled={!canGo}
              onClick={() => showProblem(problem, design)}
              title={!canGo ? undefined : openInDesign ? 'Show in the Design area' : target.field === null ? 'Show on the canvas' : 'Show on the canvas and go to the field to fill'}
            >
              <span className={`severity severity-${problem.severity}`}>{severityLabel[problem.severity]}</span>
              <span className="problem-message" title={compact ? undefined : problem.message}>
                {problem.message}
              </span>
            </button>
            {problem.fix !== undefined ? (
              <button type="button" className="problem-fix" onClick={() => fix(problem)}>
                {problem.fix.label}
              </button>
            ) : (
              target.action !== null &&
              !openInDesign && (
                <button type="button" className="problem-fix problem-go" onClick={() => showProblem(problem, design)}>
                  {target.action}
                </button>
              )
            )}
            {openInDesign && canGo && (
              <button type="button" className="problem-fix problem-go" onClick={() => showProblem(problem, design)}>
                Show in the Design area
              </button>
            )}
            {!compact && <ExplainButton {...explainArgs(problem)} />}
          </li>
        );
      })}
    </ul>
  );
}
