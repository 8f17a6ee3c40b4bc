import type { ApiTransport } from '../../../shared/ipc/api';
import { sequentialIds } from '../../../shared/model/ids';
import type { Design } from '../../../shared/model/types';
import { createDesignStore } from '../stores/designStore';
import { createSelectionStore } from '../stores/selectionStore';
import { createUiStore } from '../stores/uiStore';
import type { CommandContext, ViewControls } from './types';

/**
 * A headless app for command tests (tldraw's TestEditor, Excalidraw's API helpers): real stores and the real
 * registry, deterministic ids, a scripted answer to confirmations, a view that records what it was asked to do,
 * and optionally a back end.
 */
export function createTestApp(initial?: Design, options: { confirm?: boolean; backend?: ApiTransport } = {}) {
  const confirmations: string[] = [];
  const notices: string[] = [];
  let notice: string | null = null;
  const viewCalls: string[] = [];
  const view: ViewControls = {
    fitView: () => void viewCalls.push('fitView'),
    zoomIn: () => void viewCalls.push('zoomIn'),
    zoomOut: () => void viewCalls.push('zoomOut'),
    center: () => ({ x: 0, y: 0 }),
    exportImage: async (format) => void viewCalls.push(`export:${format}`),
  };
  const ctx: CommandContext = {
    design: createDesignStore(initial),
    selection: createSelectionStore(),
    ui: createUiStore({ persisted: false }),
    ids: sequentialIds('t'),
    clipboard: { fragment: null },
    view,
    backend: options.backend ?? null,
    backendMode: null,
    confirm: async (title) => {
      confirmations.push(title);
      return options.confirm ?? true;
    },
    notify: (m) => {
      notices.push(m);
      notice = m;
    },
    clearNotice: (m) => {
      if (notice === m) notice = null;
    },
  };
  return {
    ctx,
    confirmations,
    notices,
    viewCalls,
    /** The notice the status line shows now (null when none or taken away). */
    get notice() {
      return notice;
    },
    get design() {
      return ctx.design.getState().design;
    },
    get undoDepth() {
      return ctx.design.temporal.getState().pastStates.length;
    },
    get redoDepth() {
      return ctx.design.temporal.getState().futureStates.length;
    },
    /** Whether the document has changes that are not saved ("— edited" in the status bar). */
    get edited() {
      const { design, savedDesign } = ctx.design.getState();
      return design !== savedDesign;
    },
    get ui() {
      return ctx.ui.getState();
    },
    select: (ids: string[]) => ctx.selection.getState().select(ids),
  };
}
