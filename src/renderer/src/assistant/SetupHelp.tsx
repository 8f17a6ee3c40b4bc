import { describeError } from '../../../shared/errors';
import { plural } from '../../../shared/text';
import { appContext } from '../app/appContext';
import { executeCommand } from '../commands/registry';
import { useEndpointStore } from './endpointStore';
import { presetOf } from './presets';

/**
 * Shown while the endpoint does not answer (assistant:models.list failed): why, and how to set one up, a model on
 * this computer first. Everything else in the app works without it.
 */
export function SetupHelp() {
  const status = useEndpointStore((s) => s.status);
  const settings = useEndpointStore((s) => s.settings);
  if (status.state === 'ready' && settings !== null && settings.model === '') {
    // The endpoint answers, but no model is chosen: main asks the first one it offers (or cannot ask at all).
    const first = status.models[0];
    return (
      <p className="assistant-setup" role="note" data-testid="assistant-setup-help">
        {first === undefined
          ? 'The endpoint answers but offers no model, so nothing can answer yet: add one to it (for Ollama, “ollama pull llama3.1”), then '
          : `No model is chosen, so the first of the ${status.models.length} ${plural(status.models.length, 'model', 'models')} the endpoint offers, “${first}”, answers. `}
        <button type="button" className="link-button" onClick={() => void executeCommand(appContext, 'assistantSettings')} data-testid="assistant-open-settings">
          {first === undefined ? 'choose it in the settings' : 'Choose another in the settings'}
        </button>
        .
      </p>
    );
  }
  if (status.state !== 'unreachable') return null;
  const where = settings === null ? null : `${presetOf(settings.preset).label}, ${settings.baseUrl === '' ? 'no address given' : settings.baseUrl}`;
  return (
    <section className="assistant-setup" aria-labelledby="assistant-setup-title" data-testid="assistant-setup-help">
      <h3 id="assistant-setup-title">Set up the assistant</h3>
      <p className="error-text" role="alert">
        The assistant could not reach its model{where === null ? '' : ` (${where})`}. {describeError(status.error)}
      </p>
      <ol>
        <li>
          <strong>A model on this computer</strong> (private, free): install Ollama from ollama.com, then run <code>ollama pull llama3.1</code> (or another
          model) once. The assistant finds it at <code>{presetOf('ollama').baseUrl}</code>, the default.
        </li>
        <li>
          <strong>Or another server</strong>: open the settings and pick llama.cpp, LM Studio, vLLM, OpenAI or OpenRouter, with its address and, for a cloud
          service, an API key.
        </li>
      </ol>
      <p className="hint">Everything else in the app works without the assistant: the problems panel, the checks and the deploy explain themselves.</p>
      <div className="button-row">
        <button type="button" onClick={() => appContext.backend !== null && void useEndpointStore.getState().refresh(appContext.backend, true)} data-testid="assistant-endpoint-retry">
          Try again
        </button>
        <button type="button" className="primary" onClick={() => void executeCommand(appContext, 'assistantSettings')} data-testid="assistant-open-settings">
          Open the settings
        </button>
      </div>
    </section>
  );
}
