import { create } from 'zustand';

interface ConfirmRequest {
  title: string;
  message: string;
  resolve: (ok: boolean) => void;
}

interface ConfirmState {
  request: ConfirmRequest | null;
  ask: (title: string, message: string) => Promise<boolean>;
  answer: (ok: boolean) => void;
}

/** One pending "are you sure?" question at a time; commands await the answer. */
export const useConfirmStore = create<ConfirmState>()((set, get) => ({
  request: null,
  ask: (title, message) =>
    new Promise<boolean>((resolve) => {
      get().request?.resolve(false);
      set({ request: { title, message, resolve } });
    }),
  answer: (ok) => {
    get().request?.resolve(ok);
    set({ request: null });
  },
}));
