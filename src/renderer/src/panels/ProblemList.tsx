import type { Problem } from '../../../shared/validation/types';
import { appContext } from '../app/appContext';
import { ExplainButton } from '../assistant/ExplainButton';
import type { ApplyFixArgs } from '../commands/designCommands';
import { executeCommand } from '../commands/registry';
import { useSelectionStore } from '../stores/selectionStore';

const severityLabel = { error: 'Error', warning: 'Warning', info: 'Note' } as const;

/** Applies a problem's one-click fix as one undo step. */
function fix(problem: Problem): void {
  if (problem.fix === undefined) return;
  void executeCommand(appContext, 'applyFix', { fix: problem.fix } satisfies ApplyFixArgs);
}

/** What "Explain with the assistant" attaches for a problem: its message, which says what, why and what to do. */
function explainArgs(problem: Problem) {
  const fix = problem.fix === undefined ? '' : ` The app offers a fix: “${problem.fix.label}”.`;
  return {
    item: { kind: 'problem' as const, title: `${severityLabel[problem.severity]}: ${problem.message.split('. ')[0]!.slice(0, 200)}`, text: `${problem.message}${fix}` },
    question: 'Why does this problem matter for my network, and what should I do about it?',
  };
}

/** A list of problems; clicking one focuses its items on the canvas. */
export function ProblemList({ problems, compact = false }: { problems: readonly Problem[]; compact?: boolean }) {
  return (
    <ul className={`problem-list${compact ? ' compact' : ''}`}>
      {problems.map((problem, index) => (
        <li key={`${problem.code}-${problem.itemIds.join(',')}-${index}`} className={`problem problem-${problem.severity}`}>
          <button
            type="button"
            className="problem-main"
            disabled={compact || problem.itemIds.length === 0}
            onClick={() => useSelectionStore.getState().requestFocus(problem.itemIds)}
            title={compact ? undefined : 'Show on the canvas'}
          >
            <span className={`severity severity-${problem.severity}`}>{severityLabel[problem.severity]}</span>
            <span className="problem-message">{problem.message}</span>
          </button>
          {problem.fix !== undefined && (
            <button type="button" className="problem-fix" onClick={() => fix(problem)}>
              {problem.fix.label}
            </button>
          )}
          {!compact && <ExplainButton {...explainArgs(problem)} />}
        </li>
      ))}
    </ul>
  );
}
