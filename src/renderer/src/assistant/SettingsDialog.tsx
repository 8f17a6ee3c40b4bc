import { useEffect, useId, useState } from 'react';
import { assistantPresetIds, redactionModes, type AssistantPresetId, type AssistantSettings, type AssistantSettingsChange, type RedactionMode } from '../../../shared/assistant/schema';
import { describeError } from '../../../shared/errors';
import { appContext } from '../app/appContext';
import { Modal } from '../dialogs/Modal';
import { CloseRow } from './CloseRow';
import { useEndpointStore } from './endpointStore';
import { presetOf, redactionText } from './presets';
import './assistant.css';

/** The settings as the form edits them; the key field is separate and write-only. */
interface Form {
  preset: AssistantPresetId;
  baseUrl: string;
  model: string;
  redaction: RedactionMode;
}

const formOf = (settings: AssistantSettings): Form => ({ preset: settings.preset, baseUrl: settings.baseUrl, model: settings.model, redaction: settings.redaction });

/** What the key field says about the key main holds; the key itself never reaches this window. */
function keyStatus(settings: AssistantSettings, removing: boolean): string {
  if (removing) return 'The stored key will be removed when you save.';
  if (settings.hasApiKey) return 'A key is stored for this endpoint (encrypted, on this computer). Type a new one to replace it.';
  if (settings.fromEnvironment.apiKey) return 'The key comes from OPENAI_API_KEY in the app’s environment.';
  return 'No key is stored. Local endpoints need none.';
}

/** The endpoint's models, read with the settings being edited; `refresh` reads them again. */
function useModelList(form: Form) {
  const [state, setState] = useState<{ models: readonly string[]; error: string | null; loading: boolean }>({ models: [], error: null, loading: false });
  const [tick, setTick] = useState(0);
  const { preset, baseUrl } = form;
  useEffect(() => {
    const backend = appContext.backend;
    if (backend === null || baseUrl.trim() === '') return;
    let cancelled = false;
    // Typing an address asks once it has settled, not at every key.
    const timer = window.setTimeout(() => {
      setState((s) => ({ ...s, loading: true }));
      void backend.invoke('assistant:models.list', { preset, baseUrl: baseUrl.trim() }).then((result) => {
        if (cancelled) return;
        setState(result.ok ? { models: result.value.models, error: null, loading: false } : { models: [], error: describeError(result.error), loading: false });
      });
    }, 300);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [preset, baseUrl, tick]);
  return { ...state, refresh: () => setTick((t) => t + 1) };
}

/**
 * The assistant's settings, once read from the back end (the form starts from them). Closing it changes nothing.
 */
export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const settings = useEndpointStore((s) => s.settings);
  const settingsError = useEndpointStore((s) => s.settingsError);
  useEffect(() => {
    if (settings === null && appContext.backend !== null) void useEndpointStore.getState().refresh(appContext.backend, true);
  }, [settings]);
  if (settings !== null) return <SettingsForm settings={settings} onClose={onClose} />;
  return (
    <Modal title="Assistant settings" onClose={onClose} testId="assistant-settings-dialog">
      <p className={settingsError === null ? undefined : 'error-text'} role={settingsError === null ? 'status' : 'alert'}>
        {settingsError === null ? 'Reading the settings…' : `The settings could not be read. ${describeError(settingsError)}`}
      </p>
      <CloseRow onClose={onClose} />
    </Modal>
  );
}

/**
 * The assistant's settings: which endpoint (a preset fills in its address), which model (listed by the endpoint, or
 * typed), the API key (write-only: sent once when saved, never shown again, only whether one is stored), and
 * whether names and addresses are replaced before a question leaves the computer.
 */
function SettingsForm({ settings, onClose }: { settings: AssistantSettings; onClose: () => void }) {
  const [form, setForm] = useState<Form>(() => formOf(settings));
  const [key, setKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const models = useModelList(form);
  const ids = { preset: useId(), baseUrl: useId(), model: useId(), models: useId(), key: useId(), keyStatus: useId(), redaction: useId() };
  const preset = presetOf(form.preset);

  const pickPreset = (id: AssistantPresetId) => setForm((f) => ({ ...f, preset: id, baseUrl: id === 'custom' ? f.baseUrl : presetOf(id).baseUrl, model: id === f.preset ? f.model : '' }));

  const save = async () => {
    const backend = appContext.backend;
    if (backend === null) return;
    const change: AssistantSettingsChange = { ...form, baseUrl: form.baseUrl.trim(), model: form.model.trim(), ...(key.trim() !== '' ? { apiKey: key.trim() } : removeKey ? { apiKey: null } : {}) };
    // The key is sent once and forgotten here at once, whatever the answer.
    setKey('');
    setRemoveKey(false);
    setSaving(true);
    const result = await useEndpointStore.getState().save(backend, change);
    setSaving(false);
    if (result.ok) onClose();
    else setError(`The settings were not saved. ${describeError(result.error)}`);
  };

  return (
    <Modal title="Assistant settings" onClose={onClose} className="wide assistant-settings-dialog" testId="assistant-settings-dialog">
      <form
        className="assistant-settings-form"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <label htmlFor={ids.preset}>Where questions go</label>
        <select id={ids.preset} value={form.preset} onChange={(e) => pickPreset(e.currentTarget.value as AssistantPresetId)} data-testid="assistant-settings-preset">
          {assistantPresetIds.map((id) => (
            <option key={id} value={id}>
              {presetOf(id).label}
            </option>
          ))}
        </select>
        <p className="hint">{preset.hint}</p>

        <label htmlFor={ids.baseUrl}>Address (base URL)</label>
        <input id={ids.baseUrl} type="url" value={form.baseUrl} placeholder="http://127.0.0.1:11434/v1" onChange={(e) => setForm({ ...form, baseUrl: e.currentTarget.value })} data-testid="assistant-settings-base-url" />

        <label htmlFor={ids.model}>Model</label>
        <div className="settings-model-row">
          <input id={ids.model} type="text" list={ids.models} value={form.model} placeholder="llama3.1" onChange={(e) => setForm({ ...form, model: e.currentTarget.value })} data-testid="assistant-settings-model" />
          <datalist id={ids.models}>
            {models.models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          <button type="button" onClick={models.refresh} disabled={models.loading} data-testid="assistant-settings-refresh-models">
            {models.loading ? 'Reading…' : 'Refresh list'}
          </button>
        </div>
        <p className={models.error === null ? 'hint' : 'error-text'} role="status" data-testid="assistant-settings-models">
          {models.error !== null
            ? `The endpoint did not list its models. ${models.error} You can still type a model’s name.`
            : models.models.length > 0
              ? `The endpoint offers ${models.models.length} ${models.models.length === 1 ? 'model' : 'models'}: pick one from the list or type a name.`
              : 'Type a model’s name, or refresh the list.'}
        </p>

        <label htmlFor={ids.key}>API key</label>
        <div className="settings-key-row">
          <input
            id={ids.key}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            placeholder={settings.hasApiKey ? 'A key is stored' : preset.needsKey ? 'Paste the key' : 'Not needed for a local endpoint'}
            aria-describedby={ids.keyStatus}
            onChange={(e) => {
              setKey(e.currentTarget.value);
              if (e.currentTarget.value !== '') setRemoveKey(false);
            }}
            data-testid="assistant-settings-key"
          />
          {settings.hasApiKey && (
            <button type="button" disabled={removeKey} onClick={() => { setRemoveKey(true); setKey(''); }} data-testid="assistant-settings-remove-key">
              Remove
            </button>
          )}
        </div>
        <p id={ids.keyStatus} className="hint" data-testid="assistant-settings-key-status">
          {keyStatus(settings, removeKey)} A key is sent once when you save and is never shown again.
        </p>

        <fieldset className="settings-redaction" aria-describedby={ids.redaction}>
          <legend>Replace names and addresses before sending</legend>
          {redactionModes.map((mode) => (
            <label key={mode} className="settings-radio">
              <input type="radio" name="redaction" value={mode} checked={form.redaction === mode} onChange={() => setForm({ ...form, redaction: mode })} data-testid={`assistant-settings-redaction-${mode}`} />
              <span>
                <strong>{redactionText[mode].label}</strong> — {redactionText[mode].text}
              </span>
            </label>
          ))}
          <p id={ids.redaction} className="hint">
            The “What will be sent” button beside the ask box shows every message exactly as it would leave.
          </p>
        </fieldset>

        {error !== null && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="button-row">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={saving} data-testid="assistant-settings-save">
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
