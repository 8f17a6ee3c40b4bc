import { create } from 'zustand';
import type { AppInfo } from '../../../shared/ipc/contract';
import type { TransportStatus } from '../api/transport';

interface ConnectionState {
  status: TransportStatus | 'connecting';
  info: AppInfo | undefined;
  setStatus: (status: TransportStatus | 'connecting') => void;
  setInfo: (info: AppInfo) => void;
}

/** Whether the window reaches its back end, and what that back end reported about itself. */
export const useConnectionStore = create<ConnectionState>()((set) => ({
  status: 'connecting',
  info: undefined,
  setStatus: (status) => set((state) => (state.status === status ? state : { status })),
  setInfo: (info) => set({ info }),
}));
