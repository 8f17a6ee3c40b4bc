import { create, type StateCreator, type StoreApi, type UseBoundStore } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { defaultSort } from '../../../shared/schema/comparisonIds';
import type { VpnComparison } from '../../../shared/schema/design';

/** The four work areas of the app, in the order they appear. */
export const areas = [
  { id: 'design', label: 'Design', shortcut: '1' },
  { id: 'choose-vpn', label: 'Choose VPN', shortcut: '2' },
  { id: 'deploy', label: 'Deploy', shortcut: '3' },
  { id: 'assistant', label: 'Assistant', shortcut: '4' },
] as const;

/** One work area's id. */
export type AreaId = (typeof areas)[number]['id'];

/** Which modal dialog is open, if any. */
export type DialogId = 'about' | 'open' | 'saveAs' | 'wizard' | 'palette' | 'confirmDelete' | 'mermaid' | 'serverSignIn' | 'assistantSettings' | null;

/**
 * How the leaderboard is looked at: the profile shown and the sort. View state, like a scroll position: changing it
 * is not an edit. The file format keeps both in `comparison` (so a saved file opens the way it was last looked at):
 * they are taken from the document when it is opened and written into it when it is saved.
 */
export type LeaderboardView = Pick<VpnComparison, 'profile' | 'sort'>;

/** The leaderboard view of a new window: the baseline profile, best score first. */
export const defaultLeaderboardView: LeaderboardView = { profile: 'baseline', sort: defaultSort };

/** The comparison as shown: the document's weights and priorities with the window's profile and sort. */
export function withLeaderboardView(comparison: VpnComparison, view: LeaderboardView): VpnComparison {
  return comparison.profile === view.profile && comparison.sort === view.sort ? comparison : { ...comparison, profile: view.profile, sort: view.sort };
}

/** Session state of the window: which area and dialog are open, canvas toggles, the leaderboard view. */
export interface UiState {
  activeArea: AreaId;
  aboutOpen: boolean;
  dialog: DialogId;
  overlayVisible: boolean;
  snapToGrid: boolean;
  problemsOpen: boolean;
  /** The problems panel's height in pixels as the user dragged it; null: its own height, at most a quarter of the canvas. */
  problemsHeight: number | null;
  /** The assistant's chat is open as a panel on the right of the Design, Choose VPN and Deploy areas. */
  assistantBeside: boolean;
  /** The user finished or dismissed the first-run wizard once; it is not offered again on its own. */
  wizardSeen: boolean;
  leaderboardView: LeaderboardView;
  /**
   * The user picked the leaderboard's profile (a profile button, the palette, or the address in serve mode). Until
   * then the leaderboard shows the profile the design's links stand for, the one the advisor reads (issue 17).
   */
  leaderboardProfileChosen: boolean;
  setActiveArea: (area: AreaId) => void;
  setAboutOpen: (open: boolean) => void;
  setDialog: (dialog: DialogId) => void;
  /** Opens a dialog; About has its own flag because it can sit on top of another dialog. */
  openDialog: (dialog: Exclude<DialogId, null>) => void;
  setOverlayVisible: (visible: boolean) => void;
  setSnapToGrid: (snap: boolean) => void;
  setProblemsOpen: (open: boolean) => void;
  setProblemsHeight: (height: number | null) => void;
  setAssistantBeside: (open: boolean) => void;
  setWizardSeen: (seen: boolean) => void;
  setLeaderboardView: (patch: Partial<LeaderboardView>) => void;
  setLeaderboardProfileChosen: (chosen: boolean) => void;
}

const createUiState: StateCreator<UiState> = (set) => ({
  activeArea: 'design',
  aboutOpen: false,
  dialog: null,
  overlayVisible: true,
  snapToGrid: true,
  problemsOpen: true,
  problemsHeight: null,
  assistantBeside: false,
  wizardSeen: false,
  leaderboardView: defaultLeaderboardView,
  leaderboardProfileChosen: false,
  setActiveArea: (activeArea) => set({ activeArea }),
  setAboutOpen: (aboutOpen) => set({ aboutOpen }),
  setDialog: (dialog) => set({ dialog }),
  openDialog: (dialog) => set(dialog === 'about' ? { aboutOpen: true } : { dialog }),
  setOverlayVisible: (overlayVisible) => set({ overlayVisible }),
  setSnapToGrid: (snapToGrid) => set({ snapToGrid }),
  setProblemsOpen: (problemsOpen) => set({ problemsOpen }),
  setProblemsHeight: (problemsHeight) => set({ problemsHeight }),
  setAssistantBeside: (assistantBeside) => set({ assistantBeside }),
  setWizardSeen: (wizardSeen) => set({ wizardSeen }),
  setLeaderboardView: (patch) =>
    set((state) => {
      const next = { ...state.leaderboardView, ...patch };
      const same = next.profile === state.leaderboardView.profile && next.sort.column === state.leaderboardView.sort.column && next.sort.direction === state.leaderboardView.sort.direction;
      return same ? state : { leaderboardView: next };
    }),
  setLeaderboardProfileChosen: (leaderboardProfileChosen) => set({ leaderboardProfileChosen }),
});

/** A UI store instance. */
export type UiStore = UseBoundStore<StoreApi<UiState>>;

/**
 * Makes a UI store. The app's is persisted per machine (localStorage); tests make their own without storage. The
 * leaderboard view is not persisted: it comes from the open design or, in serve mode, from the address.
 */
export function createUiStore(options: { persisted: boolean }): UiStore {
  if (!options.persisted) return create<UiState>()(createUiState);
  return create<UiState>()(
    persist(createUiState, {
      name: 'clan-designer.ui',
      version: 2,
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({
        activeArea: state.activeArea,
        overlayVisible: state.overlayVisible,
        snapToGrid: state.snapToGrid,
        problemsOpen: state.problemsOpen,
        // Added after version 2 with a default: stored state without it merges to the default (the panel's own height).
        problemsHeight: state.problemsHeight,
        // Added after version 2 with a default: stored state without it merges to the default (closed).
        assistantBeside: state.assistantBeside,
        wizardSeen: state.wizardSeen,
      }),
      // 1 -> 2 added the canvas toggles and the wizard flag; their defaults fill in for older stored state.
      migrate: (persisted) => ({ overlayVisible: true, snapToGrid: true, problemsOpen: true, wizardSeen: false, ...(persisted as object) }) as UiState,
    }),
  );
}

/** The app's UI store. */
export const useUiStore: UiStore = createUiStore({ persisted: true });
