import { sequentialIds } from '../../../shared/model/ids';
import type { Design } from '../../../shared/model/types';
import { createDesignStore } from '../stores/designStore';
import { createSelectionStore } from '../stores/selectionStore';
import type { CommandContext } from './types';

/**
 * A headless app for command tests (tldraw's TestEditor, Excalidraw's API helpers): real stores and the real
 * registry, deterministic ids, a scripted answer to confirmations, and a log of what the UI was asked to do.
 */
export function createTestApp(initial?: Design, options: { confirm?: boolean } = {}) {
  const opened: string[] = [];
  const confirmations: string[] = [];
  const notices: string[] = [];
  const ctx: CommandContext = {
    design: createDesignStore(initial),
    selection: createSelectionStore(),
    ids: sequentialIds('t'),
    clipboard: { fragment: null },
    ui: {
      openDialog: (d) => void opened.push(d),
      toggleOverlay: () => void opened.push('toggleOverlay'),
      toggleSnap: () => void opened.push('toggleSnap'),
      toggleProblems: () => void opened.push('toggleProblems'),
    },
    view: null,
    backend: null,
    backendMode: null,
    confirm: async (title) => {
      confirmations.push(title);
      return options.confirm ?? true;
    },
    notify: (m) => void notices.push(m),
  };
  return {
    ctx,
    opened,
    confirmations,
    notices,
    get design() {
      return ctx.design.getState().design;
    },
    get undoDepth() {
      return ctx.design.temporal.getState().pastStates.length;
    },
    select: (ids: string[]) => ctx.selection.getState().select(ids),
  };
}
