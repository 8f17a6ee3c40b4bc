import { create } from 'zustand';

/** Ephemeral editor state: selection, inline rename, canvas toggles. Never saved in the file or the history. */
export interface SelectionState {
  selectedIds: readonly string[];
  /** The item whose name is being edited in place on the canvas. */
  editingId: string | null;
  /**
   * Items to center the view on (set by the problems panel; the canvas consumes it), and the inspector field to put
   * the cursor in (the inspector consumes that), e.g. 'ssh-host' for a machine without an SSH address.
   */
  focusRequest: { ids: readonly string[]; field: string | null; at: number } | null;
  select: (ids: readonly string[]) => void;
  setEditing: (id: string | null) => void;
  requestFocus: (ids: readonly string[], field?: string | null) => void;
}

/** Makes a selection store; the app has one, tests make their own. */
export function createSelectionStore() {
  return create<SelectionState>()((set) => ({
    selectedIds: [],
    editingId: null,
    focusRequest: null,
    select: (ids) =>
      set((state) => (state.selectedIds.length === ids.length && state.selectedIds.every((id, i) => id === ids[i]) ? state : { selectedIds: [...ids] })),
    setEditing: (editingId) => set({ editingId }),
    requestFocus: (ids, field = null) => set({ focusRequest: { ids, field, at: Date.now() }, selectedIds: [...ids] }),
  }));
}

/** A selection store instance. */
export type SelectionStore = ReturnType<typeof createSelectionStore>;

/** The app's selection store. */
export const useSelectionStore: SelectionStore = createSelectionStore();
