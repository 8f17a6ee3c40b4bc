import { appContext } from '../app/appContext';
import { executeCommand } from '../commands/registry';
import { useEndpointStore } from './endpointStore';
import { presetOf } from './presets';

/** Which model answers and where it runs, with the button to the settings. */
export function EndpointBadge() {
  const settings = useEndpointStore((s) => s.settings);
  const status = useEndpointStore((s) => s.status.state);
  const where = settings === null ? 'not set up' : `${settings.model === '' ? 'no model chosen' : settings.model} · ${settings.local ? 'on this computer' : `${presetOf(settings.preset).label}, leaves this computer`}`;
  return (
    <div className="endpoint-badge">
      <span className={`endpoint-state endpoint-${status}`} data-testid="assistant-endpoint" title={where}>
        {status === 'checking' ? 'Connecting…' : status === 'unreachable' ? 'Not reachable' : where}
      </span>
      <button type="button" onClick={() => void executeCommand(appContext, 'assistantSettings')} data-testid="assistant-settings">
        Settings
      </button>
    </div>
  );
}
