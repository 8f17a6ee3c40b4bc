import { getDerived } from '../stores/derived';
import { useDesign } from '../stores/designStore';
import { useUiStore } from '../stores/uiStore';
import { ProblemList } from './ProblemList';

/** Every rule violation of the design, errors first; a click focuses the items involved. */
export function ProblemsPanel() {
  const design = useDesign((s) => s.design);
  const open = useUiStore((s) => s.problemsOpen);
  const setOpen = useUiStore((s) => s.setProblemsOpen);
  const { problems } = getDerived(design);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.filter((p) => p.severity === 'warning').length;
  const empty = Object.keys(design.machines).length === 0 && Object.keys(design.sites).length === 0;
  return (
    <section className={`problems-panel${open ? ' open' : ''}`} aria-label="Problems">
      <button type="button" className="problems-header" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="problems-toggle">
        <strong>Problems</strong>
        <span className={`count count-error${errors === 0 ? ' zero' : ''}`}>{errors} errors</span>
        <span className={`count count-warning${warnings === 0 ? ' zero' : ''}`}>{warnings} warnings</span>
      </button>
      {open && (
        <div className="problems-body">
          {problems.length === 0 ? (
            <p className="problems-empty">{empty ? 'Add a site and some machines; anything that would stop the network from working shows up here.' : 'No problems found. The design is ready for the next step.'}</p>
          ) : (
            <ProblemList problems={problems} />
          )}
        </div>
      )}
    </section>
  );
}
