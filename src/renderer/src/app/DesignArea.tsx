import { Canvas } from '../canvas/Canvas';
import { dateTimeFormat } from '../dates';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { Inspector } from '../panels/Inspector';
import { Palette } from '../panels/Palette';
import { ProblemsPanel } from '../panels/ProblemsPanel';
import { getDocument, useDesign } from '../stores/designStore';
import { useUiStore } from '../stores/uiStore';
import { MenuBar } from './MenuBar';
import { useEffect, useState } from 'react';
import { compareOutputs, useGenerateStore, useLastWrittenFor } from '../deploy/generateStore';
import { generatedFilesChangedSince } from '../deploy/deployChanges';
import { lastSuccessfulDeploy, useDeployHistoryFor, useDeployStore } from '../deploy/deployStore';
import { useLastVerifyFor, useShownVerifyReport } from '../deploy/verifyStore';
import { cellLooks, lookOrder } from '../deploy/verifyView';
import { executeCommand, getCommand, isEnabled } from '../commands/registry';
import { appContext } from './appContext';
import { loadChunk, reportChunkFailure } from './chunks';

function EmptyCanvasHint() {
  const empty = useDesign((s) => Object.keys(s.design.sites).length === 0 && Object.keys(s.design.machines).length === 0);
  const setDialog = useUiStore((s) => s.setDialog);
  if (!empty) return null;
  return (
    <div className="canvas-hint" role="note">
      <p>
        <strong>Start your family network.</strong> Drag a site and some machines from the palette, or let the wizard ask you a few questions.
      </p>
      <button type="button" className="primary" onClick={() => setDialog('wizard')}>
        Set up a family network…
      </button>
    </div>
  );
}

const pathLegend = [
  { path: 'direct', label: 'direct' },
  { path: 'holePunched', label: 'hole-punched' },
  { path: 'relayed', label: 'relayed' },
  { path: 'unreachable', label: 'unreachable' },
] as const;

/**
 * Explains the line styles of the predicted VPN connections, and of the last verify's lines between machines when
 * the design on screen has a result, while they are shown.
 */
function OverlayLegend() {
  const vpn = useDesign((s) => s.design.vpn.id);
  const fileName = useDesign((s) => s.file.name);
  const visible = useUiStore((s) => s.overlayVisible);
  // The last verify of the design file on screen, read once when it is opened; the canvas colours its lines by it.
  useLastVerifyFor(fileName, appContext.backend);
  const verified = useShownVerifyReport(fileName);
  if (vpn === null || !visible) return null;
  return (
    <div className="overlay-legend" aria-label="VPN connection legend">
      <span className="legend-title">Predicted VPN paths</span>
      {pathLegend.map((item) => (
        <span key={item.path} className="legend-item">
          <svg width="28" height="8" aria-hidden="true" className={`overlay-edge overlay-${item.path}`}>
            <path d="M1 4 H27" />
          </svg>
          {item.label}
        </span>
      ))}
      {verified?.matrix != null && (
        <span className="legend-verify" data-testid="verify-legend-canvas">
          <span className="legend-title">
            Last verify, {dateTimeFormat.format(verified.startedAt)}
          </span>
          {lookOrder.map((look) => (
            <span key={look} className="legend-item">
              <svg width="28" height="8" aria-hidden="true" className={`verify-edge verify-edge-${look}`}>
                <path d="M1 4 H27" />
              </svg>
              {cellLooks[look].text}
            </span>
          ))}
        </span>
      )}
    </div>
  );
}

/** What the design generates now compared with the configuration last written and with the last deploy. */
interface MarkerState {
  /** Changed since the configuration was written to its folder. */
  sinceWritten: boolean;
  /** Changed since the last successful deploy, with when that was. */
  sinceDeploy: { at: number } | null;
}

const noMarkers: MarkerState = { sinceWritten: false, sinceDeploy: null };

/**
 * The canvas markers "Changed since the configuration was written" and "Changed since the last deploy": the design no
 * longer generates what was last written to its folder, or what the last successful deploy put on the machines (its
 * generated files' checksums, kept in the deploy's history). Generation is debounced so typing and dragging stay
 * smooth, and happens once for both.
 */
function DesignMarkers() {
  const design = useDesign((s) => s.design);
  const fileName = useDesign((s) => s.file.name);
  const forFile = useGenerateStore((s) => s.forFile);
  const lastWritten = useGenerateStore((s) => s.lastWritten);
  const historyFor = useDeployStore((s) => s.historyFor);
  const history = useDeployStore((s) => s.history);
  const [markers, setMarkers] = useState<MarkerState>(noMarkers);
  useLastWrittenFor(fileName, appContext.backend);
  useDeployHistoryFor(fileName, appContext.backend);
  const lastDeploy = fileName !== null && historyFor === fileName && history !== null ? lastSuccessfulDeploy(history) : undefined;
  useEffect(() => {
    let cancelled = false;
    const timer = window.setTimeout(() => {
      const current = getDocument();
      const written = lastWritten !== null && forFile !== null && current.file.name === forFile ? lastWritten : null;
      if (written === null && lastDeploy === undefined) return setMarkers(noMarkers);
      // The generator is only needed once a configuration was written or deployed: it loads then, not with the first screen.
      loadChunk('the configuration generator', () => import('../../../shared/nix/generate')).then(
        ({ generateClan, manifestPath, parseManifest }) => {
          if (cancelled) return;
          const generated = generateClan(getDocument().design);
          const sinceWritten = written !== null && (!generated.ok || [...compareOutputs(written, generated.value.files).values()].some((s) => s !== 'same'));
          let sinceDeploy: MarkerState['sinceDeploy'] = null;
          if (lastDeploy !== undefined) {
            const manifest = generated.ok ? parseManifest(generated.value.files[manifestPath] ?? '') : null;
            const changed = manifest === null || generatedFilesChangedSince(manifest.files, lastDeploy.flakeFiles).length > 0;
            sinceDeploy = changed ? { at: lastDeploy.startedAt } : null;
          }
          setMarkers({ sinceWritten, sinceDeploy });
        },
        (error: unknown) => {
          if (!reportChunkFailure(error)) console.error('Comparing with the written configuration failed', error);
        },
      );
    }, 400);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [design, lastWritten, forFile, lastDeploy]);
  const showWritten = markers.sinceWritten && fileName !== null && forFile === fileName;
  const showDeploy = markers.sinceDeploy !== null && lastDeploy !== undefined;
  if (!showWritten && !showDeploy) return null;
  return (
    <div className="design-markers">
      {showWritten && (
        <div className="generation-marker" role="status" data-testid="generation-marker" title="Open the Deploy area to see what changed and write it">
          Changed since the configuration was written
        </div>
      )}
      {showDeploy && (
        <div className="generation-marker deploy-marker" role="status" data-testid="deploy-marker">
          <span title={`The machines run what the deploy of ${dateTimeFormat.format(markers.sinceDeploy!.at)} put there; the design generates a different configuration now.`}>
            Changed since the last deploy
          </span>{' '}
          <button type="button" className="link-button" disabled={!planEnabled()} onClick={() => void executeCommand(appContext, 'planDeploy')}>
            Plan deploy
          </button>
        </div>
      )}
    </div>
  );
}


/** Whether "Plan deploy" can run now (the marker's button). */
function planEnabled(): boolean {
  const command = getCommand('planDeploy');
  return command !== undefined && isEnabled(command, appContext);
}

/** The Design area: menu bar, palette, canvas, inspector and the problems panel. */
export function DesignArea() {
  const overlayVisible = useUiStore((s) => s.overlayVisible);
  const setOverlayVisible = useUiStore((s) => s.setOverlayVisible);
  const snap = useUiStore((s) => s.snapToGrid);
  const setSnap = useUiStore((s) => s.setSnapToGrid);
  return (
    <div className="design-area">
      <h2 className="visually-hidden">Design your family network</h2>
      <div className="design-toolbar">
        <MenuBar />
        <span className="toolbar-spacer" />
        <label className="toolbar-toggle">
          <input type="checkbox" checked={overlayVisible} onChange={(e) => setOverlayVisible(e.currentTarget.checked)} /> VPN connections
        </label>
        <label className="toolbar-toggle" title="Hold Alt while dragging to place freely">
          <input type="checkbox" checked={snap} onChange={(e) => setSnap(e.currentTarget.checked)} /> Snap to grid
        </label>
      </div>
      <ErrorBoundary area="Palette">
        <Palette />
      </ErrorBoundary>
      <div className="design-center">
        <ErrorBoundary area="Canvas">
          {/* The legend and the markers in a bar above the canvas, not floating over it: they never cover the
              design or each other, whenever they appear (issue 17). Empty, the bar takes no room. */}
          <div className="canvas-top-chrome">
            <OverlayLegend />
            <DesignMarkers />
          </div>
          <Canvas />
          <EmptyCanvasHint />
        </ErrorBoundary>
        <ErrorBoundary area="Problems">
          <ProblemsPanel />
        </ErrorBoundary>
      </div>
      <ErrorBoundary area="Inspector">
        <Inspector />
      </ErrorBoundary>
    </div>
  );
}
