import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

interface SshKeysState {
  /**
   * The key files in ~/.ssh "Check machines" offers, by file name, after the ssh-agent; null: automatic, the keys
   * the ssh command would try (the config's IdentityFile, else id_ed25519, id_ecdsa and id_rsa).
   */
  picked: string[] | null;
  setPicked: (picked: string[] | null) => void;
}

/** Which SSH keys the person offers when checking machines: a setting of this computer, never part of a design. */
export const useSshKeysStore = create<SshKeysState>()(
  persist(
    (set) => ({
      picked: null,
      setPicked: (picked) => set({ picked: picked === null ? null : [...new Set(picked)] }),
    }),
    {
      name: 'clan-designer.ssh-keys',
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({ picked: state.picked }),
    },
  ),
);
