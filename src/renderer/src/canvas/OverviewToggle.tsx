import { Panel } from '@xyflow/react';
import { useCanvasViewStore } from '../stores/canvasViewStore';

const hide = () => useCanvasViewStore.getState().setOverviewOpen(false);
const show = () => useCanvasViewStore.getState().setOverviewOpen(true);

/**
 * Folds the overview map away when it is in the way (it sits over a corner of the canvas, on top of whatever is
 * drawn there), and brings it back: a small button beside the map, or in its place while it is folded (issue 17).
 * `beside` is how far from the canvas's right edge the map reaches, so the button sits just left of it.
 */
export function OverviewToggle({ open, beside }: { open: boolean; beside: number }) {
  return (
    <Panel position="bottom-right" className="overview-toggle canvas-chrome" style={open ? { marginRight: beside + 6 } : undefined}>
      {open ? (
        <button type="button" className="icon-button" onClick={hide} aria-label="Hide the overview" title="Hide the overview">
          <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">
            <path d="M1 1 L9 9 M9 1 L1 9" stroke="currentColor" strokeWidth="1.6" />
          </svg>
        </button>
      ) : (
        <button type="button" onClick={show} aria-label="Show the overview" title="Show the overview">
          Overview
        </button>
      )}
    </Panel>
  );
}
