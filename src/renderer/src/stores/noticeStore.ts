import { create } from 'zustand';

interface NoticeState {
  message: string | null;
  at: number;
  show: (message: string) => void;
  clear: () => void;
}

/** The short message shown in the status bar after an action (saved, exported, could not open, ...). */
export const useNoticeStore = create<NoticeState>()((set) => ({
  message: null,
  at: 0,
  show: (message) => set({ message, at: Date.now() }),
  clear: () => set({ message: null }),
}));
