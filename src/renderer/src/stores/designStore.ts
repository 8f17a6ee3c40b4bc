import { temporal } from 'zundo';
import { create, useStore } from 'zustand';
import { createEmptyDesign } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';

/** Where the open design lives on disk (a file name in the workspace), or nowhere yet. */
export interface FileInfo {
  name: string | null;
  revision: string | null;
}

/**
 * How a change to the design is recorded in the undo history (Excalidraw's CaptureUpdateAction):
 *
 * - `immediately`: a finished edit. It is one undo step and marks the document edited. Changes an unfinished
 *   gesture made `eventually` are folded into this step, so its undo goes back to where the gesture started.
 * - `eventually`: a step of a gesture still in progress (a slider being dragged). Applied and shown at once and
 *   marks the document edited, but recorded only with the next `immediately` change, as part of that one step.
 * - `never`: not an edit: opening, recovering or starting a design, or taking settings from the address at start.
 *   The design is replaced outside the history, the history is cleared (a snapshot taken before it would bring
 *   back the old document on undo), and the document counts as saved unless the caller says otherwise.
 */
export type CaptureMode = 'immediately' | 'eventually' | 'never';

/** The document as everything outside the commands layer may see it: data only, no way to change it. */
export interface DocumentState {
  design: Design;
  file: FileInfo;
  /** The design as last opened or saved; the document is edited when the current design is another object. */
  savedDesign: Design;
}

/** The design store: the document, tracked by undo, and the actions the commands layer changes it with. */
export interface DesignState extends DocumentState {
  /** The design before the first `eventually` change of a gesture that has not ended yet; null when none runs. */
  gestureStart: Design | null;
  /** Applies a new design as a finished edit or as a step of a gesture (see CaptureMode). */
  commit: (next: Design, capture?: 'immediately' | 'eventually') => void;
  /** Abandons a gesture in progress: back to the design before it, with no undo step. */
  cancelGesture: () => void;
  /** Replaces the whole document (capture mode `never`): clears undo, redo and any gesture in progress. */
  reset: (design: Design, file: FileInfo, options?: { dirty?: boolean }) => void;
  /** Records that `written` was saved as `file`; the document stays edited when the design changed since. */
  markSaved: (file: FileInfo, written: Design) => void;
  /** Steps back one edit; a gesture in progress is finished first, so it is what is undone. */
  undo: () => void;
  /** Steps forward one edit. */
  redo: () => void;
}

/** The part of the state the undo history tracks: the document only, never selection or viewport. */
type Tracked = Pick<DesignState, 'design'>;

const HISTORY_LIMIT = 200;

/** Stands for "never saved": a recovered or new-from-template design is edited until it is saved. */
const neverSaved: Design = createEmptyDesign('');

/** Makes a design store; the app has one, tests make their own. */
export function createDesignStore(initial: Design = createEmptyDesign()) {
  const history = () => store.temporal.getState();
  /** Applies a change the history must not snapshot by itself (zundo would record the state just before it). */
  const untracked = (apply: () => void) => {
    history().pause();
    try {
      apply();
    } finally {
      history().resume();
    }
  };
  const store = create<DesignState>()(
    temporal(
      (set, get) => ({
        design: initial,
        file: { name: null, revision: null },
        savedDesign: initial,
        gestureStart: null,
        commit: (next, capture = 'immediately') => {
          const { design, gestureStart } = get();
          if (capture === 'eventually') {
            if (next === design) return;
            if (gestureStart === null) store.temporal.setState({ futureStates: [] });
            untracked(() => set({ design: next, gestureStart: gestureStart ?? design }));
            return;
          }
          if (gestureStart === null) {
            // zundo records the state before this set as the step's past state; a no-op records nothing.
            if (next !== design) set({ design: next });
            return;
          }
          // A gesture ends: its one step goes back to where it started, not to its last intermediate state.
          untracked(() => set({ design: next, gestureStart: null }));
          if (next !== gestureStart) {
            store.temporal.setState((h) => ({ pastStates: [...h.pastStates, { design: gestureStart }].slice(-HISTORY_LIMIT), futureStates: [] }));
          }
        },
        cancelGesture: () => {
          const { gestureStart } = get();
          if (gestureStart !== null) untracked(() => set({ design: gestureStart, gestureStart: null }));
        },
        reset: (design, file, options) => {
          untracked(() => set({ design, file, savedDesign: options?.dirty === true ? neverSaved : design, gestureStart: null }));
          history().clear();
        },
        markSaved: (file, written) => set({ file, savedDesign: written }),
        undo: () => {
          const { design, gestureStart } = get();
          if (gestureStart !== null) get().commit(design, 'immediately');
          history().undo();
        },
        redo: () => {
          if (get().gestureStart !== null) return;
          history().redo();
        },
      }),
      {
        partialize: (state): Tracked => ({ design: state.design }),
        equality: (past, current) => past.design === current.design,
        limit: HISTORY_LIMIT,
      },
    ),
  );
  return store;
}

/** A design store instance. */
export type DesignStore = ReturnType<typeof createDesignStore>;

/**
 * The app's design store. Only the commands layer (commands/, and app/appContext.ts which hands it to commands)
 * may import it: everything else reads the document with useDesign/getDocument and changes it by running a
 * command. Lint enforces this (scripts/eslintState.js).
 */
export const useDesignStore: DesignStore = createDesignStore();

/** Reads the open document in a component with a selector. */
export function useDesign<T>(selector: (state: DocumentState) => T): T {
  return useDesignStore(selector);
}

/** The open document, for code outside React (read only). */
export function getDocument(): DocumentState {
  return useDesignStore.getState();
}

/** Calls `listener` after every change of the open document; returns the function that stops it. */
export function subscribeDocument(listener: (state: DocumentState) => void): () => void {
  return useDesignStore.subscribe(listener);
}

/** Whether undo and redo are possible, for menus and buttons. */
export function useHistoryState(): { canUndo: boolean; canRedo: boolean } {
  const gestureRunning = useDesignStore((s) => s.gestureStart !== null);
  const pastSteps = useStore(useDesignStore.temporal, (s) => s.pastStates.length);
  const futureSteps = useStore(useDesignStore.temporal, (s) => s.futureStates.length);
  return { canUndo: pastSteps > 0 || gestureRunning, canRedo: futureSteps > 0 && !gestureRunning };
}
