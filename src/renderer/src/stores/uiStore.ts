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

interface UiState {
  activeArea: AreaId;
  aboutOpen: boolean;
  setActiveArea: (area: AreaId) => void;
  setAboutOpen: (open: boolean) => void;
}

/** Session state of the window (which area is open); persisted per machine, never part of a design file. */
export const useUiStore = create<UiState>()(
  persist(
    (set) => ({
      activeArea: 'design',
      aboutOpen: false,
      setActiveArea: (activeArea) => set({ activeArea }),
      setAboutOpen: (aboutOpen) => set({ aboutOpen }),
    }),
    {
      name: 'clan-designer.ui',
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({ activeArea: state.activeArea }),
      // Version 1 is the first stored shape; later versions add steps here instead of dropping saved state.
      migrate: (persisted) => persisted as { activeArea: AreaId },
    },
  ),
);
