import { useRef, type KeyboardEvent, type PointerEvent, type RefObject } from 'react';
import { getDerived } from '../stores/derived';
import { useDesign } from '../stores/designStore';
import { useUiStore } from '../stores/uiStore';
import { computeChecklist } from './problemChecklist';
import { ProblemList, showProblem } from './ProblemList';

// Like VS Code's Problems panel, the panel keeps to its share of the canvas: its own height up to a quarter of the
// Design area, scrolling beyond; a drag on its top edge (or the arrow keys there) sets another height, kept per
// machine; collapsed, its header still shows the counts and the checklist of what is left.

/** The smallest height a drag leaves the open panel, and the largest share of the Design area it may take. */
const minHeight = 72;
const maxShare = 0.7;
const keyStep = 24;

/** The edge above the panel that sets its height, by pointer or keyboard; a double click goes back to its own height. */
function ResizeHandle({ panel }: { panel: RefObject<HTMLElement | null> }) {
  const height = useUiStore((s) => s.problemsHeight);
  const setHeight = useUiStore((s) => s.setProblemsHeight);
  const limits = () => {
    const area = panel.current?.parentElement?.getBoundingClientRect().height ?? 600;
    return { min: minHeight, max: Math.round(area * maxShare) };
  };
  const clamp = (value: number) => {
    const { min, max } = limits();
    return Math.round(Math.min(max, Math.max(min, value)));
  };
  const current = () => panel.current?.getBoundingClientRect().height ?? minHeight;
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || panel.current === null) return;
    e.preventDefault();
    const bottom = panel.current.getBoundingClientRect().bottom;
    const target = e.currentTarget;
    target.setPointerCapture(e.pointerId);
    const move = (event: globalThis.PointerEvent) => setHeight(clamp(bottom - event.clientY));
    const up = () => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
      target.removeEventListener('pointercancel', up);
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
    target.addEventListener('pointercancel', up);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const delta = e.key === 'ArrowUp' ? keyStep : e.key === 'ArrowDown' ? -keyStep : 0;
    if (delta !== 0) setHeight(clamp(current() + delta));
    else if (e.key === 'Home') setHeight(null);
    else return;
    e.preventDefault();
  };
  return (
    <div
      className="problems-resize"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Problems panel height (arrow keys change it, Home resets it)"
      aria-valuenow={Math.round(height ?? current())}
      aria-valuemin={minHeight}
      aria-valuemax={limits().max}
      tabIndex={0}
      title="Drag to resize; double-click for the panel's own height"
      onPointerDown={onPointerDown}
      onDoubleClick={() => setHeight(null)}
      onKeyDown={onKeyDown}
    />
  );
}

/** Every rule violation of the design, errors first; a click goes to the item and the field to fill. */
export function ProblemsPanel() {
  const design = useDesign((s) => s.design);
  const open = useUiStore((s) => s.problemsOpen);
  const setOpen = useUiStore((s) => s.setProblemsOpen);
  const height = useUiStore((s) => s.problemsHeight);
  const panel = useRef<HTMLElement>(null);
  const { problems } = getDerived(design);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.filter((p) => p.severity === 'warning').length;
  const checklist = computeChecklist(problems, design);
  const empty = Object.keys(design.machines).length === 0 && Object.keys(design.sites).length === 0;
  return (
    <section ref={panel} className={`problems-panel${open ? ' open' : ''}${open && height !== null ? ' sized' : ''}`} style={open && height !== null ? { height } : undefined} aria-label="Problems">
      {open && <ResizeHandle panel={panel} />}
      <div className="problems-head">
        <button type="button" className="problems-header" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="problems-toggle" title={open ? 'Hide the problems' : 'Show the problems'}>
          <span className="problems-chevron" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          <strong>Problems</strong>
          <span className={`count count-error${errors === 0 ? ' zero' : ''}`}>{errors} errors</span>
          <span className={`count count-warning${warnings === 0 ? ' zero' : ''}`}>{warnings} warnings</span>
        </button>
        {checklist.length > 0 && (
          <p className="problems-checklist" data-testid="problems-checklist">
            <span className="checklist-title">To do:</span>
            {checklist.map((entry) => (
              <button
                key={entry.key}
                type="button"
                className="link-button checklist-entry"
                title={entry.names.length === 0 ? 'Go to the first one' : `${entry.names.join(', ')}. Go to the first one.`}
                onClick={() => showProblem(entry.first, design)}
              >
                {entry.label}
              </button>
            ))}
          </p>
        )}
      </div>
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
