import { create } from 'zustand';
import type { Transient } from '../canvas/projection';

interface TransientState {
  items: Transient;
  set: (items: Transient) => void;
  clear: (ids?: readonly string[]) => void;
}

const empty: Transient = new Map();

/**
 * Positions and sizes during a drag or resize. They live outside the design and its history, so a 300-pixel
 * drag is committed once, at the end, as one undo step whose past state is the design before the drag.
 */
export const useTransientStore = create<TransientState>()((set) => ({
  items: empty,
  set: (items) => set({ items }),
  clear: (ids) =>
    set((state) => {
      if (ids === undefined) return { items: empty };
      const next = new Map(state.items);
      for (const id of ids) next.delete(id);
      return { items: next.size === 0 ? empty : next };
    }),
}));
