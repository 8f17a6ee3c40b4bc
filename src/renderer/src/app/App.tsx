import { Suspense, useEffect } from 'react';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { LoadingPart } from '../components/LoadingPart';
import { useConnectionStore } from '../stores/connectionStore';
import { areas, useUiStore } from '../stores/uiStore';
import { CommandPalette } from '../dialogs/CommandPalette';
import { ConfirmDialog } from '../dialogs/ConfirmDialog';
import { OpenDialog } from '../dialogs/OpenDialog';
import { SaveAsDialog } from '../dialogs/SaveAsDialog';
import { WizardDialog } from '../dialogs/WizardDialog';
import { AreaTabs } from './AreaTabs';
import { useComparisonUrl } from '../vpn/useComparisonUrl';
import { JobPrompts } from '../deploy/JobPrompts';
import { useLastCheckFor } from '../deploy/checkStore';
import { useJobEvents } from '../stores/jobsStore';
import { useDesign } from '../stores/designStore';
import { appContext } from './appContext';
import { ChunkFailureBanner } from './ChunkFailureBanner';
import { AboutDialog, AssistantArea, AssistantBeside, AssistantSettingsDialog, ChooseVpnArea, DeployArea, MermaidDialog } from './lazyParts';
import { useConversationSync } from '../assistant/conversationSync';
import { DesignArea } from './DesignArea';
import { RecoveryBanner } from './RecoveryBanner';
import { ServerSignInDialog } from './ServerSignInDialog';
import { StatusBar } from './StatusBar';
import { useAutosave, useDocumentTitle } from './useDocumentLifecycle';
import { useCommandKeys } from './useCommandKeys';

/** Asks the back end who it is once, which also proves the transport works. */
function useBackendInfo(): void {
  useEffect(() => {
    const backend = appContext.backend;
    if (backend === null) return;
    let cancelled = false;
    void backend
      .invoke('app:info.get', {})
      .then((result) => {
        if (cancelled) return;
        const store = useConnectionStore.getState();
        if (result.ok) {
          store.setInfo(result.value);
          store.setStatus('connected');
        } else if (result.error.code === 'untrustedSender' || result.error.code === 'notSignedIn') store.setStatus('unauthorized');
        else store.setStatus('offline');
      });
    return () => {
      cancelled = true;
    };
  }, []);
}

/** The window: title bar with the four work areas, the open area, and the status bar. */
function Dialogs() {
  const dialog = useUiStore((s) => s.dialog);
  const setDialog = useUiStore((s) => s.setDialog);
  const aboutOpen = useUiStore((s) => s.aboutOpen);
  const setAboutOpen = useUiStore((s) => s.setAboutOpen);
  return (
    <>
      {dialog === 'palette' && <CommandPalette />}
      {dialog === 'wizard' && <WizardDialog />}
      {dialog === 'mermaid' && (
        <ErrorBoundary area="Mermaid export" onCloseDialog={() => setDialog(null)}>
          <Suspense fallback={<LoadingPart floating label="Opening the Mermaid export…" />}>
            <MermaidDialog />
          </Suspense>
        </ErrorBoundary>
      )}
      {dialog === 'open' && <OpenDialog />}
      {dialog === 'saveAs' && <SaveAsDialog />}
      {dialog === 'serverSignIn' && <ServerSignInDialog />}
      {dialog === 'assistantSettings' && (
        <ErrorBoundary area="Assistant settings" onCloseDialog={() => setDialog(null)}>
          <Suspense fallback={<LoadingPart floating label="Opening the assistant’s settings…" />}>
            <AssistantSettingsDialog onClose={() => setDialog(null)} />
          </Suspense>
        </ErrorBoundary>
      )}
      <ConfirmDialog />
      {aboutOpen && (
        <ErrorBoundary area="About" onCloseDialog={() => setAboutOpen(false)}>
          <Suspense fallback={<LoadingPart floating label="Opening About…" />}>
            <AboutDialog />
          </Suspense>
        </ErrorBoundary>
      )}
      <JobPrompts />
    </>
  );
}

export function App() {
  const activeArea = useUiStore((s) => s.activeArea);
  const setAboutOpen = useUiStore((s) => s.setAboutOpen);
  const setDialog = useUiStore((s) => s.setDialog);
  const serveMode = useConnectionStore((s) => s.info?.mode === 'serve');
  useBackendInfo();
  useCommandKeys();
  useDocumentTitle();
  useAutosave();
  useComparisonUrl();
  useJobEvents(appContext.backend);
  // The assistant's conversations are kept with the open design file (read when it opens, saved with it).
  useConversationSync(appContext.backend);
  const assistantBeside = useUiStore((s) => s.assistantBeside);
  // The last check of the open design, for the canvas badges as much as for the Deploy area.
  useLastCheckFor(useDesign((s) => s.file.name), appContext.backend);
  const active = areas.find((a) => a.id === activeArea) ?? areas[0];
  // The chat beside the Design, Choose VPN and Deploy areas; the Assistant area is the chat itself.
  const beside = assistantBeside && active.id !== 'assistant';

  return (
    <div className="app-shell">
      <header className="app-header">
        <h1 className="app-title">Clan Network Designer</h1>
        <AreaTabs />
        <span className="header-spacer" />
        {serveMode && (
          <button type="button" className="header-button" onClick={() => setDialog('serverSignIn')} data-testid="sign-in-button">
            Sign-in
          </button>
        )}
        <button type="button" className="header-button" onClick={() => setAboutOpen(true)}>
          About
        </button>
      </header>
      <div className={`area-row${beside ? ' with-beside' : ''}`}>
        <main className="area-panel" role="tabpanel" id={`panel-${active.id}`} aria-labelledby={`tab-${active.id}`} tabIndex={-1}>
          <RecoveryBanner />
          <ChunkFailureBanner />
          <ErrorBoundary area={active.label} key={active.id}>
            <Suspense fallback={<LoadingPart label={`Loading the ${active.label} area…`} />}>
              {active.id === 'design' ? <DesignArea /> : active.id === 'choose-vpn' ? <ChooseVpnArea /> : active.id === 'deploy' ? <DeployArea /> : <AssistantArea />}
            </Suspense>
          </ErrorBoundary>
        </main>
        {beside && (
          <ErrorBoundary area="Assistant">
            <Suspense fallback={<LoadingPart label="Loading the assistant…" />}>
              <AssistantBeside />
            </Suspense>
          </ErrorBoundary>
        )}
      </div>
      <StatusBar />
      <Dialogs />
    </div>
  );
}
