import { useMemo, useState, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { describeError } from '../../../shared/errors';
import { generateClan } from '../../../shared/nix/generate';
import { vpnCatalog } from '../../../shared/vpn/catalog';
import { appContext } from '../app/appContext';
import { displayName } from '../commands/fileActions';
import { DiffView } from '../components/DiffView';
import { ProblemList } from '../panels/ProblemList';
import { useDesign } from '../stores/designStore';
import { useJobsStore, useRunningJob } from '../stores/jobsStore';
import { useUiStore } from '../stores/uiStore';
import { CheckMachines } from './CheckMachines';
import { DeployHistory } from './DeployHistory';
import { DeployPanel } from './DeployPanel';
import { GenerationBlocked } from './GenerationBlocked';
import { MeasurePanel } from './MeasurePanel';
import { VerifyPanel } from './VerifyPanel';
import { useLastVerifyFor } from './verifyStore';
import { useDeployStore, type DeployTab } from './deployStore';
import { compareOutputs, describeWrite, useGenerateStore, useLastWrittenFor } from './generateStore';
import './deploy.css';
import './deployRun.css';

const statusLabel = { added: 'new', changed: 'changed', removed: 'removed', same: '' } as const;

const tabOrder: readonly DeployTab[] = ['configuration', 'machines', 'deploy', 'verify', 'measure', 'history'];

/** The Deploy area: the Clan configuration, the machines (check, deploy order), the deploy itself, verifying and measuring the network, and the deploy history. */
export function DeployArea() {
  const tab = useDeployStore((s) => s.tab);
  const showTab = useDeployStore((s) => s.showTab);
  // The last verify of the design on screen (the Verify tab and the canvas show it), read once per file.
  useLastVerifyFor(useDesign((s) => s.file.name), appContext.backend);
  const checking = useRunningJob('check');
  const deployProgress = useJobsStore(useShallow((s) => {
    const id = s.running.deploy;
    const job = id === undefined ? undefined : s.jobs[id];
    return job === undefined ? null : { done: job.done, total: job.total };
  }));
  const verifyProgress = useJobsStore(useShallow((s) => {
    const id = s.running.verify;
    const job = id === undefined ? undefined : s.jobs[id];
    return job === undefined ? null : { done: job.done, total: job.total };
  }));
  const measureProgress = useJobsStore(useShallow((s) => {
    const id = s.running.measure;
    const job = id === undefined ? undefined : s.jobs[id];
    return job === undefined ? null : { done: job.done, total: job.total };
  }));
  const tabs: { id: DeployTab; label: string }[] = [
    { id: 'configuration', label: 'Configuration' },
    { id: 'machines', label: checking === null ? 'Machines' : `Machines (checking ${checking.done}/${checking.total})` },
    { id: 'deploy', label: deployProgress === null ? 'Deploy' : `Deploy (deploying ${deployProgress.done}/${deployProgress.total})` },
    { id: 'verify', label: verifyProgress === null ? 'Verify' : `Verify (verifying ${verifyProgress.done}/${verifyProgress.total})` },
    { id: 'measure', label: measureProgress === null ? 'Measure' : `Measure (measuring ${measureProgress.done}/${measureProgress.total})` },
    { id: 'history', label: 'History' },
  ];
  // Arrow keys move between the tabs, as in any tab list (WAI-ARIA tabs pattern, selection follows focus).
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const index = tabOrder.indexOf(tab);
    const next = e.key === 'ArrowRight' ? (index + 1) % tabOrder.length : e.key === 'ArrowLeft' ? (index + tabOrder.length - 1) % tabOrder.length : e.key === 'Home' ? 0 : e.key === 'End' ? tabOrder.length - 1 : -1;
    if (next < 0) return;
    e.preventDefault();
    showTab(tabOrder[next]!);
    e.currentTarget.querySelector<HTMLButtonElement>(`#deploy-tab-${tabOrder[next]!}`)?.focus();
  };
  return (
    <div className="deploy-area">
      <h2 className="visually-hidden">Deploy to your machines</h2>
      <div className="deploy-tabs" role="tablist" aria-label="Deploy" onKeyDown={onKeyDown}>
        {tabs.map((t) => (
          <button key={t.id} type="button" role="tab" id={`deploy-tab-${t.id}`} aria-selected={tab === t.id} tabIndex={tab === t.id ? 0 : -1} aria-controls={`deploy-panel-${t.id}`} onClick={() => showTab(t.id)} data-testid={`deploy-tab-${t.id}`}>
            {t.label}
          </button>
        ))}
      </div>
      <div className="deploy-panel" role="tabpanel" id={`deploy-panel-${tab}`} aria-labelledby={`deploy-tab-${tab}`}>
        {tab === 'machines' ? <CheckMachines /> : tab === 'deploy' ? <DeployPanel /> : tab === 'verify' ? <VerifyPanel /> : tab === 'measure' ? <MeasurePanel /> : tab === 'history' ? <DeployHistory /> : <ConfigurationView />}
      </div>
    </div>
  );
}

/**
 * The Clan configuration the design turns into, as a file tree and code view, with a
 * diff against what was last written to the design's folder, and the button that writes it.
 */
function ConfigurationView() {
  const design = useDesign((s) => s.design);
  const fileName = useDesign((s) => s.file.name);
  const { forFile, folder, lastWritten, error, write: writeFiles } = useGenerateStore();
  const [selected, setSelected] = useState<string>('inventory.json');
  const [showDiff, setShowDiff] = useState(true);
  const [busy, setBusy] = useState(false);
  const [writeError, setWriteError] = useState<{ message: string; conflicts: boolean } | null>(null);
  const setDialog = useUiStore((s) => s.setDialog);

  useLastWrittenFor(fileName, appContext.backend);

  const generated = useMemo(() => generateClan(design), [design]);
  const lastForThis = fileName !== null && forFile === fileName ? lastWritten : null;
  const status = useMemo(() => (generated.ok ? compareOutputs(lastForThis, generated.value.files) : new Map<string, 'added' | 'changed' | 'removed' | 'same'>()), [generated, lastForThis]);
  const changedCount = [...status.values()].filter((s) => s !== 'same').length;

  const write = async (force: boolean) => {
    if (fileName === null || appContext.backend === null || !generated.ok) return;
    setBusy(true);
    setWriteError(null);
    const result = await writeFiles(appContext.backend, fileName, design, generated.value.files, force);
    setBusy(false);
    if (!result.ok) {
      setWriteError({ message: describeError(result.error), conflicts: result.error.code === 'generatedFilesChanged' });
      return;
    }
    appContext.notify(describeWrite(result.value));
  };

  if (!generated.ok) {
    return (
      <div className="deploy-view">
        <GenerationBlocked error={generated.error} />
      </div>
    );
  }

  const paths = Object.keys(generated.value.files);
  const removed = [...status].filter(([, s]) => s === 'removed').map(([p]) => p);
  const current = paths.includes(selected) ? selected : paths[0]!;
  const after = generated.value.files[current] ?? '';
  const before = lastForThis?.[current];

  return (
    <div className="deploy-view">
      <div className="deploy-toolbar">
        <strong>Clan configuration</strong>
        <span className="deploy-meta">
          {generated.value.vpn === null ? 'no VPN chosen yet' : `${vpnCatalog[generated.value.vpn].name}, instance “${generated.value.instance}”`} · {paths.length} files
        </span>
        <span className="toolbar-spacer" />
        {fileName === null ? (
          <span className="deploy-meta">
            Save the design first; the configuration is written next to it.{' '}
            <button type="button" className="link-button" onClick={() => setDialog('saveAs')}>
              Save as…
            </button>
          </span>
        ) : (
          <>
            <span className="deploy-meta" data-testid="generation-status">
              {lastForThis === null ? `Not written yet · will go to ${folder ?? `${displayName(fileName)}.clan`}` : changedCount === 0 ? `Up to date in ${folder}` : `${changedCount} files differ from ${folder}`}
            </span>
            <button type="button" className="primary" disabled={busy} onClick={() => void write(false)} data-testid="write-config">
              Write configuration
            </button>
          </>
        )}
      </div>
      {error !== null && <p className="error-text">{error}</p>}
      {writeError !== null && (
        <div className="banner" role="alert">
          <p>{writeError.message}</p>
          {writeError.conflicts && (
            <button type="button" onClick={() => void appContext.confirm('Overwrite your changes?', 'Files you edited in the configuration folder will be replaced by the generated ones.').then((ok) => {
                  if (ok) void write(true);
                })}>
              Overwrite my changes
            </button>
          )}
        </div>
      )}
      <div className="deploy-body">
        <nav className="file-tree" aria-label="Generated files">
          <ul>
            {paths.map((path) => {
              const s = status.get(path) ?? 'same';
              return (
                <li key={path}>
                  <button type="button" className={`${path === current ? 'active' : ''} status-${s}`} onClick={() => setSelected(path)} data-testid={`file-${path}`}>
                    <span className="file-path" style={{ paddingLeft: `${(path.split('/').length - 1) * 12}px` }}>
                      {path}
                    </span>
                    {statusLabel[s] !== '' && <span className={`file-status file-${s}`}>{statusLabel[s]}</span>}
                  </button>
                </li>
              );
            })}
            {removed.map((path) => (
              <li key={path}>
                <span className="file-removed">
                  {path} <span className="file-status file-removed-tag">removed</span>
                </span>
              </li>
            ))}
          </ul>
        </nav>
        <section className="code-pane" aria-label={current}>
          <div className="code-head">
            <code>{current}</code>
            {before !== undefined && before !== after && (
              <label className="toolbar-toggle">
                <input type="checkbox" checked={showDiff} onChange={(e) => setShowDiff(e.currentTarget.checked)} /> Show changes since last written
              </label>
            )}
          </div>
          {before !== undefined && before !== after && showDiff ? <DiffView before={before} after={after} /> : <pre className="code-view" data-testid="code-view">{after}</pre>}
        </section>
        <aside className="deploy-notes" aria-label="Notes">
          {generated.value.deployBlockers.length > 0 && (
            <>
              <h3>Before deploying</h3>
              <div className="blockers">
                <ProblemList problems={generated.value.deployBlockers} compact openInDesign />
              </div>
            </>
          )}
          <h3>About this configuration</h3>
          <ul>
            {generated.value.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </aside>
      </div>
    </div>
  );
}
