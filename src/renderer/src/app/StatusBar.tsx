import { useConnectionStore } from '../stores/connectionStore';
import { areas, useUiStore } from '../stores/uiStore';

const statusText = {
  connecting: 'Connecting to the back end…',
  connected: 'Connected',
  offline: 'The server is not answering; retrying…',
  unauthorized: 'The server refused this page’s token. Open the address the server printed when it started.',
} as const;

/** The bottom line of the window: where the app runs, whether the back end answers, and which area is open. */
export function StatusBar() {
  const status = useConnectionStore((s) => s.status);
  const info = useConnectionStore((s) => s.info);
  const activeArea = useUiStore((s) => s.activeArea);
  const areaLabel = areas.find((a) => a.id === activeArea)?.label ?? '';
  const mode = info === undefined ? '' : info.mode === 'serve' ? 'Browser (serve mode)' : 'Desktop';
  return (
    <footer className="status-bar" role="status" aria-live="polite">
      <span className={`status-dot status-${status}`} aria-hidden="true" />
      <span data-testid="connection-status">{statusText[status]}</span>
      <span className="status-sep" aria-hidden="true" />
      <span>{areaLabel}</span>
      <span className="status-spacer" />
      <span>No design open</span>
      {mode !== '' && <span className="status-sep" aria-hidden="true" />}
      {mode !== '' && <span>{mode}</span>}
      {info !== undefined && <span>v{info.version}</span>}
    </footer>
  );
}
