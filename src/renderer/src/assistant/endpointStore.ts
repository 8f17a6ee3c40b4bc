import { create } from 'zustand';
import type { AssistantSettings, AssistantSettingsChange } from '../../../shared/assistant/schema';
import type { AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { Result } from '../../../shared/result';

/**
 * Whether the endpoint answers: not asked yet, being asked, answering with its models, or not (the error says why).
 * The endpoint is asked with assistant:models.list, which is also how the settings dialog lists the models.
 */
export type EndpointStatus = { state: 'unknown' } | { state: 'checking' } | { state: 'ready'; models: readonly string[] } | { state: 'unreachable'; error: AppError };

interface EndpointState {
  /** The settings as main reports them: never the API key, only whether one is stored. Null until read. */
  settings: AssistantSettings | null;
  settingsError: AppError | null;
  status: EndpointStatus;
  /** Reads the settings, then asks the endpoint for its models (once per window unless `again`). */
  refresh: (backend: ApiTransport, again?: boolean) => Promise<void>;
  /** Saves changed settings (a key given is sent this once), then asks the new endpoint. */
  save: (backend: ApiTransport, change: AssistantSettingsChange) => Promise<Result<AssistantSettings, AppError>>;
}

let statusRequest = 0;

/**
 * The assistant's endpoint as this window knows it: its settings (without the key) and whether it answers. The Assistant
 * area shows how to set one up while it does not; the rest of the app never waits for it.
 */
export const useEndpointStore = create<EndpointState>()((set, get) => {
  const checkModels = async (backend: ApiTransport) => {
    const request = (statusRequest += 1);
    set({ status: { state: 'checking' } });
    const result = await backend.invoke('assistant:models.list', {});
    if (request !== statusRequest) return;
    set({ status: result.ok ? { state: 'ready', models: result.value.models } : { state: 'unreachable', error: result.error } });
  };
  return {
    settings: null,
    settingsError: null,
    status: { state: 'unknown' },
    refresh: async (backend, again = false) => {
      if (!again && get().status.state !== 'unknown') return;
      set({ status: { state: 'checking' } });
      const result = await backend.invoke('assistant:settings.get', {});
      set(result.ok ? { settings: result.value, settingsError: null } : { settingsError: result.error });
      await checkModels(backend);
    },
    save: async (backend, change) => {
      const result = await backend.invoke('assistant:settings.set', change);
      if (result.ok) {
        set({ settings: result.value, settingsError: null });
        await checkModels(backend);
      }
      return result;
    },
  };
});

/** The state a store starts with, for tests. */
export const initialEndpointState = { settings: null, settingsError: null, status: { state: 'unknown' } } as const;
