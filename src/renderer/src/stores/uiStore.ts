import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

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
export type DialogId = 'about' | 'open' | 'saveAs' | 'wizard' | 'palette' | 'confirmDelete' | 'mermaid' | 'serverSignIn' | null;

interface UiState {
  activeArea: AreaId;
  aboutOpen: boolean;
  dialog: DialogId;
  overlayVisible: boolean;
  snapToGrid: boolean;
  problemsOpen: boolean;
  /** The user finished or dismissed the first-run wizard once; it is not offered again on its own. */
  wizardSeen: boolean;
  setActiveArea: (area: AreaId) => void;
  setAboutOpen: (open: boolean) => void;
  setDialog: (dialog: DialogId) => void;
  setOverlayVisible: (visible: boolean) => void;
  setSnapToGrid: (snap: boolean) => void;
  setProblemsOpen: (open: boolean) => void;
  setWizardSeen: (seen: boolean) => void;
}

/** Session state of the window (which area is open); persisted per machine, never part of a design file. */
export const useUiStore = create<UiState>()(
  persist(
    (set) => ({
      activeArea: 'design',
      aboutOpen: false,
      dialog: null,
      overlayVisible: true,
      snapToGrid: true,
      problemsOpen: true,
      wizardSeen: false,
      setActiveArea: (activeArea) => set({ activeArea }),
      setAboutOpen: (aboutOpen) => set({ aboutOpen }),
      setDialog: (dialog) => set({ dialog }),
      setOverlayVisible: (overlayVisible) => set({ overlayVisible }),
      setSnapToGrid: (snapToGrid) => set({ snapToGrid }),
      setProblemsOpen: (problemsOpen) => set({ problemsOpen }),
      setWizardSeen: (wizardSeen) => set({ wizardSeen }),
    }),
    {
      name: 'clan-designer.ui',
      version: 2,
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({
        activeArea: state.activeArea,
        overlayVisible: state.overlayVisible,
        snapToGrid: state.snapToGrid,
        problemsOpen: state.problemsOpen,
        wizardSeen: state.wizardSeen,
      }),
      // 1 -> 2 added the canvas toggles and the wizard flag; their defaults fill in for older stored state.
      migrate: (persisted) => ({ overlayVisible: true, snapToGrid: true, problemsOpen: true, wizardSeen: false, ...(persisted as object) }) as UiState,
    },
  ),
);
