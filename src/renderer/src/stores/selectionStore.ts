import { create } from 'zustand';

/** Ephemeral editor state: selection, inline rename, canvas toggles. Never saved in the file or the history. */
export interface SelectionState {
  selectedIds: readonly string[];
  /** The item whose name is being edited in place on the canvas. */
  editingId: string | null;
  /** Items to center the view on (set by the problems panel; the canvas consumes it). */
  focusRequest: { ids: readonly string[]; at: number } | null;
  select: (ids: readonly string[]) => void;
  setEditing: (id: string | null) => void;
  requestFocus: (ids: readonly string[]) => void;
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
    requestFocus: (ids) => set({ focusRequest: { ids, at: Date.now() }, selectedIds: [...ids] }),
  }));
}

/** A selection store instance. */
export type SelectionStore = ReturnType<typeof createSelectionStore>;

/** The app's selection store. */
export const useSelectionStore: SelectionStore = createSelectionStore();
