import { useEffect } from 'react';
import { useConnectionStore } from '../stores/connectionStore';
import { useDesign } from '../stores/designStore';
import { useNoticeStore } from '../stores/noticeStore';
import { areas, useUiStore } from '../stores/uiStore';

const statusText = {
  connecting: 'Connecting to the back end…',
  connected: 'Connected',
  offline: 'The server is not answering; retrying…',
  unauthorized: 'This browser is not signed in to the server; pair it again with a code from the server’s console.',
} as const;

/** The bottom line of the window: where the app runs, whether the back end answers, and which area is open. */
export function StatusBar() {
  const status = useConnectionStore((s) => s.status);
  const info = useConnectionStore((s) => s.info);
  const activeArea = useUiStore((s) => s.activeArea);
  const areaLabel = areas.find((a) => a.id === activeArea)?.label ?? '';
  const fileName = useDesign((s) => s.file.name);
  const dirty = useDesign((s) => s.design !== s.savedDesign);
  const notice = useNoticeStore((s) => s.message);
  const noticeAt = useNoticeStore((s) => s.at);
  useEffect(() => {
    if (notice === null) return;
    const timer = window.setTimeout(() => useNoticeStore.getState().clear(), 6000);
    return () => window.clearTimeout(timer);
  }, [notice, noticeAt]);
  const mode = info === undefined ? '' : info.mode === 'serve' ? 'Browser (serve mode)' : 'Desktop';
  return (
    <footer className="status-bar" role="status" aria-live="polite">
      <span className={`status-dot status-${status}`} aria-hidden="true" />
      <span data-testid="connection-status">{statusText[status]}</span>
      <span className="status-sep" aria-hidden="true" />
      <span>{areaLabel}</span>
      {notice !== null && (
        <>
          <span className="status-sep" aria-hidden="true" />
          <span className="status-notice" data-testid="notice" title={notice}>
            {notice}
          </span>
        </>
      )}
      <span className="status-spacer" />
      <span data-testid="file-status">
        {fileName === null ? 'Unsaved design' : fileName.replace(/\.clan-design\.json$/, '')}
        {dirty && <span className="status-dirty"> — edited</span>}
      </span>
      {mode !== '' && <span className="status-sep" aria-hidden="true" />}
      {mode !== '' && <span>{mode}</span>}
      {info !== undefined && <span>v{info.version}</span>}
    </footer>
  );
}
