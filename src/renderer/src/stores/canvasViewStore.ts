import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

/** A canvas view: React Flow's viewport (pan in screen pixels, zoom). */
export interface SavedView {
  x: number;
  y: number;
  zoom: number;
  /** The canvas's size in pixels when the view was left, so a window resized since can be told. */
  width?: number;
  height?: number;
}

/** How many designs' views are kept; the least recently looked at goes first. */
const MAX_VIEWS = 40;

/**
 * Session state of the canvas (STYLE.md section 2: session, never in the file or the undo history): where each design
 * was last looked at, so switching areas or reopening a design shows it as it was left (tldraw keeps its camera per
 * page the same way), and whether the overview map is shown.
 */
export interface CanvasViewState {
  /** The last view of each design, by file name ('' for the design not saved yet), least recent first. */
  views: Record<string, SavedView>;
  /** The overview map in the canvas's corner is shown; the user can fold it away when it is in the way. */
  overviewOpen: boolean;
  rememberView: (key: string, view: SavedView) => void;
  setOverviewOpen: (open: boolean) => void;
}

/** The key a design's view is kept under. */
export function viewKey(fileName: string | null): string {
  return fileName ?? '';
}

export const useCanvasViewStore = create<CanvasViewState>()(
  persist(
    (set) => ({
      views: {},
      overviewOpen: true,
      rememberView: (key, view) =>
        set((state) => {
          const old = state.views[key];
          if (old !== undefined && old.x === view.x && old.y === view.y && old.zoom === view.zoom && old.width === view.width && old.height === view.height) return state;
          // Re-inserted last, so the oldest entries are the least recently looked at.
          const { [key]: _previous, ...rest } = state.views;
          const keys = Object.keys(rest);
          for (const drop of keys.slice(0, Math.max(0, keys.length + 1 - MAX_VIEWS))) delete rest[drop];
          const size = view.width === undefined || view.height === undefined ? {} : { width: view.width, height: view.height };
          return { views: { ...rest, [key]: { x: view.x, y: view.y, zoom: view.zoom, ...size } } };
        }),
      setOverviewOpen: (overviewOpen) => set({ overviewOpen }),
    }),
    {
      name: 'clan-designer.canvas-view',
      version: 1,
      storage: createJSONStorage(() => localStorage),
      // A design not saved yet has no name to find it by in a later session: its view is kept for this one only.
      partialize: (state) => ({ views: Object.fromEntries(Object.entries(state.views).filter(([key]) => key !== '')), overviewOpen: state.overviewOpen }),
      // Version 1 is the first; a later version adds its step here.
      migrate: (persisted) => persisted as CanvasViewState,
    },
  ),
);
