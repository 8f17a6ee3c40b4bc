import { temporal } from 'zundo';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createEmptyDesign } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';

/** Where the open design lives on disk (a file name in the workspace), or nowhere yet. */
export interface FileInfo {
  name: string | null;
  revision: string | null;
}

/** Document state: the design (tracked by undo), the file it belongs to, and what was last saved. */
export interface DesignState {
  design: Design;
  file: FileInfo;
  /** The design as last opened or saved; the document is dirty when the current design is another object. */
  savedDesign: Design;
  /** Replaces the design as one undoable step (capture mode "immediately"). A no-op keeps history unchanged. */
  commit: (next: Design) => void;
  /** Replaces the design without history (capture mode "never"): file open, new design, recovery. Clears undo. */
  reset: (design: Design, file: FileInfo, options?: { dirty?: boolean }) => void;
  /** Records that the current design was written to a file. */
  markSaved: (file: FileInfo) => void;
}

/** The part of the state the undo history tracks: the document only, never selection or viewport. */
type Tracked = Pick<DesignState, 'design'>;

const HISTORY_LIMIT = 200;

/** Stands for "never saved": a recovered or new-from-template design is dirty until it is saved. */
const neverSaved: Design = createEmptyDesign('');

/** Makes a design store; the app has one, tests make their own. */
export function createDesignStore(initial: Design = createEmptyDesign()) {
  return createStore<DesignState>()(
    temporal(
      (set) => ({
        design: initial,
        file: { name: null, revision: null },
        savedDesign: initial,
        commit: (next) => set((state) => (state.design === next ? state : { design: next })),
        reset: (design, file, options) => {
          // Applied outside history, then history is cleared: a freshly opened file has nothing to undo.
          set({ design, file, savedDesign: options?.dirty === true ? neverSaved : design });
        },
        markSaved: (file) => set((state) => ({ file, savedDesign: state.design })),
      }),
      {
        partialize: (state): Tracked => ({ design: state.design }),
        equality: (past, current) => past.design === current.design,
        limit: HISTORY_LIMIT,
      },
    ),
  );
}

/** A design store instance. */
export type DesignStore = ReturnType<typeof createDesignStore>;

/** The app's design store. */
export const designStore: DesignStore = createDesignStore();

/** Clears undo/redo, e.g. after opening a file. */
export function clearHistory(store: DesignStore): void {
  store.temporal.getState().clear();
}

/** Reads the app's design store in a component with a selector. */
export function useDesign<T>(selector: (state: DesignState) => T): T {
  return useStore(designStore as StoreApi<DesignState>, selector);
}

/** Whether undo and redo are possible, for menus and buttons. */
export function useHistoryState(): { canUndo: boolean; canRedo: boolean } {
  const canUndo = useStore(designStore.temporal, (s) => s.pastStates.length > 0);
  const canRedo = useStore(designStore.temporal, (s) => s.futureStates.length > 0);
  return { canUndo, canRedo };
}
