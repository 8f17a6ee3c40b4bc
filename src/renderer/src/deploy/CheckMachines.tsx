import { useState } from 'react';
import { dateTimeFormat } from '../dates';
import { recordValues } from '../../../shared/model/overlay';
import type { MachineCheckResult, CheckFinding } from '../../../shared/check';
import { appContext } from '../app/appContext';
import { ExplainButton } from '../assistant/ExplainButton';
import { useDesign } from '../stores/designStore';
import { useRunningJob } from '../stores/jobsStore';
import { cancelCheck, checkResultsShownFor, startCheck, useCheckStore, type MachineCheckStatus } from './checkStore';
import { checkStatusView } from './CheckStatusBadge';
import { CopyButton } from './CopyButton';
import { DeployOrder } from './DeployOrder';
import { showMachineOnCanvas } from './showOnCanvas';
import { SshKeysDialog } from './SshKeysDialog';
import { useSshKeysStore } from './sshKeysStore';

const checkLabels: Record<CheckFinding['id'], string> = {
  reachable: 'Reachable',
  auth: 'Login',
  hostKey: 'Host key',
  nixos: 'NixOS',
  nix: 'Nix',
  flakes: 'Flakes',
  arch: 'Architecture',
  memory: 'Memory',
  disk: 'Disk space',
  tun: 'TUN device',
  root: 'Root or sudo',
  systemdRun: 'systemd-run',
  clock: 'Clock',
  clanCli: 'clan CLI',
};

/** A status dot with its meaning in words for screen readers. */
export function StatusIcon({ status }: { status: MachineCheckStatus }) {
  const { symbol, text } = checkStatusView[status];
  return (
    <span className={`check-icon check-${status}`} role="img" aria-label={text} title={text}>
      {symbol}
    </span>
  );
}

/** What "Explain with the assistant" attaches for a finding that is not ok: what the check found and the command it suggests. */
function explainFinding(finding: CheckFinding, machine: string | null) {
  const where = machine === null ? 'this computer' : machine;
  const status = finding.status === 'error' ? 'failed' : finding.status === 'warning' ? 'warning' : 'skipped';
  return {
    item: { kind: 'preflight' as const, title: `${checkLabels[finding.id]} on ${where}: ${status}`, text: `${finding.message}${finding.command === undefined ? '' : `\nSuggested command: ${finding.command}`}` },
    question: `What does this finding of Check machines on ${where} mean, and what should I do?`,
  };
}

/** A machine's findings (`machine`: its name; null for this computer's own checks). */
function FindingList({ findings, machine }: { findings: readonly CheckFinding[]; machine: string | null }) {
  return (
    <ul className="finding-list">
      {findings.map((f) => (
        <li key={f.id} className={`finding finding-${f.status}`} data-testid={`finding-${f.id}`}>
          <StatusIcon status={f.status} />
          <span className="finding-label">{checkLabels[f.id]}</span>
          <span className="finding-message">
            {f.message}
            {f.command !== undefined && (
              <span className="finding-command">
                <code>{f.command}</code>
                <CopyButton text={f.command} />
              </span>
            )}
            {f.status !== 'ok' && <ExplainButton {...explainFinding(f, machine)} />}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The one-line summary of a machine's result: its first error, else its first warning, else "ready". */
function summaryOf(result: MachineCheckResult): string {
  const first = result.findings.find((f) => f.status === 'error') ?? result.findings.find((f) => f.status === 'warning') ?? (result.status === 'skipped' ? result.findings[0] : undefined);
  return first === undefined ? 'Ready for a deploy.' : first.message;
}

/**
 * Whether the machine answered at all, for a row whose problem is said once above the list (the same message for
 * several machines, such as no SSH key on this computer): the reachable finding's own words when it answered.
 */
function answeredText(result: MachineCheckResult): string {
  const reachable = result.findings.find((f) => f.id === 'reachable');
  if (reachable === undefined || reachable.status === 'skipped') return 'Not tried;';
  return reachable.status === 'ok' ? `${reachable.message.replace(/\.$/, '')};` : 'Did not answer;';
}

/**
 * A machine's problem without what names that machine (its name, user@host:port, host:port, host), so that the same
 * problem on several machines ("no SSH key could be offered to machine “nas.lan”") is recognised as one.
 */
function problemKey(result: MachineCheckResult): string {
  const target = result.target ?? '';
  const hostPort = target.replace(/^[^@]*@/, '');
  const host = hostPort.replace(/:\d+$/, '');
  const own = [target, hostPort, host, result.name].filter((part) => part !== '').sort((a, b) => b.length - a.length);
  return own.reduce((text, part) => text.split(part).join('\u0000'), summaryOf(result));
}

/**
 * The problems several machines share, said once above the list: how many have each, and as found on the first. A
 * machine the check never got to (cancelled: every finding skipped) has no problem of its own, so its row keeps saying
 * so rather than pointing at a "problem" above.
 */
function sharedProblems(results: readonly (MachineCheckResult | null)[]): Map<string, { count: number; first: MachineCheckResult }> {
  const shared = new Map<string, { count: number; first: MachineCheckResult }>();
  for (const r of results) {
    if (r === null || r.status === 'ok' || r.status === 'skipped') continue;
    const key = problemKey(r);
    const entry = shared.get(key);
    shared.set(key, entry === undefined ? { count: 1, first: r } : { ...entry, count: entry.count + 1 });
  }
  return new Map([...shared].filter(([, entry]) => entry.count > 1));
}

function MachineRow({ id, name, status, result, shared }: { id: string; name: string; status: MachineCheckStatus | null; result: MachineCheckResult | null; shared: boolean }) {
  const [open, setOpen] = useState(false);
  const expandable = result !== null;
  return (
    <li className={`check-row check-row-${status ?? 'unchecked'}`} data-testid={`check-${name}`} data-status={status ?? 'unchecked'}>
      <div className="check-row-head">
        {status === null ? <span className="check-icon" aria-hidden="true" /> : <StatusIcon status={status} />}
        <span className="check-name">{name}</span>
        <span className="check-target">{result?.target ?? ''}{result?.via != null ? ` via ${result.via}` : ''}</span>
        <span className="check-summary" title={result !== null && shared ? summaryOf(result) : undefined}>
          {result !== null ? (shared ? `${answeredText(result)} the problem above.` : summaryOf(result)) : status === null ? 'not checked yet' : checkStatusView[status].text}
        </span>
        {expandable && (
          <button type="button" className="link-button" aria-expanded={open} aria-controls={`findings-${id}`} onClick={() => setOpen(!open)}>
            {open ? 'Hide details' : 'Details'}
          </button>
        )}
      </div>
      {expandable && open && (
        <div id={`findings-${id}`}>
          <FindingList findings={result.findings} machine={name} />
        </div>
      )}
    </li>
  );
}


/**
 * "Check machines": checks every managed machine and shows, live, how far each one is and what was
 * found; the last result stays with the design file. Beside it, the suggested deploy order.
 */
export function CheckMachines() {
  const design = useDesign((s) => s.design);
  const fileName = useDesign((s) => s.file.name);
  const { starting, machines, order, local, report, saved, hostKeyMode, error, forFile, setHostKeyMode } = useCheckStore();
  const running = useRunningJob('check');
  const pickedKeys = useSshKeysStore((s) => s.picked);
  const [keysOpen, setKeysOpen] = useState(false);
  const names = new Map(recordValues(design.machines).map((m) => [m.id as string, m.name]));
  const managed = recordValues(design.machines).filter((m) => m.managed);
  const shown = checkResultsShownFor(forFile, running !== null, fileName);
  const ids = shown && order.length > 0 ? [...order, ...managed.map((m) => m.id as string).filter((id) => !order.includes(id))] : managed.map((m) => m.id as string);
  const done = ids.map((id) => machines[id]?.status).filter((s) => s === 'ok' || s === 'warning' || s === 'error');
  const ready = done.filter((s) => s !== 'error').length;
  const common = sharedProblems(shown ? ids.map((id) => machines[id]?.result ?? null) : []);

  const start = () => {
    if (appContext.backend !== null) void startCheck(appContext.backend, design, fileName);
  };
  const summary =
    running !== null
      ? `Checking ${running.done} of ${running.total} machines…`
      : starting
        ? 'Starting the check…'
      : report !== null && shown
        ? `Last checked ${dateTimeFormat.format(report.finishedAt)}${report.outcome === 'cancelled' ? ' (cancelled)' : ''} · ${ready} of ${report.machines.length} ready${saved ? '' : fileName === null ? ' · save the design to keep results' : ''}`
        : 'Not checked yet. The check logs in to each machine over SSH and changes nothing.';

  return (
    <div className="check-machines">
      <div className="deploy-toolbar">
        <strong>Machines</strong>
        <span className="deploy-meta" data-testid="check-summary" role="status">
          {summary}
        </span>
        <span className="toolbar-spacer" />
        <button type="button" disabled={running !== null} onClick={() => setKeysOpen(true)} data-testid="ssh-keys-button" title="Which SSH keys the check logs in with">
          SSH keys: {pickedKeys === null ? 'automatic' : pickedKeys.length === 1 ? `${pickedKeys[0]}` : `${pickedKeys.length} picked`}
        </button>
        <label className="deploy-meta">
          New host keys{' '}
          <select value={hostKeyMode} disabled={running !== null} onChange={(e) => setHostKeyMode(e.currentTarget.value as 'ask' | 'strict')} data-testid="host-key-mode">
            <option value="ask">ask me (trust on first use)</option>
            <option value="strict">refuse (known hosts only)</option>
          </select>
        </label>
        {running === null ? (
          <button type="button" className="primary" disabled={managed.length === 0 || starting} onClick={start} data-testid="check-machines">
            Check machines
          </button>
        ) : (
          <button type="button" onClick={() => appContext.backend !== null && void cancelCheck(appContext.backend)} data-testid="cancel-check">
            Cancel
          </button>
        )}
      </div>
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {keysOpen && <SshKeysDialog onClose={() => setKeysOpen(false)} />}
      <div className="check-body">
        <section className="check-results" aria-label="Check results">
          {managed.length === 0 ? (
            <p className="muted">This design has no managed machines to check. Add machines in the Design area and give them SSH addresses.</p>
          ) : (
            <>
              {[...common].map(([key, { count, first }]) => (
                <p key={key} className="check-common" data-testid="check-common">
                  <strong>
                    {count} of {ids.length} machines have the same problem; as found on “{first.name}”:
                  </strong>{' '}
                  {summaryOf(first)}
                </p>
              ))}
              <ul className="check-list">
                {ids.map((id) => {
                  const entry = shown ? machines[id] : undefined;
                  const name = names.get(id) ?? entry?.result?.name ?? id;
                  const result = entry?.result ?? null;
                  return <MachineRow key={id} id={id} name={name} status={entry?.status ?? null} result={result} shared={result !== null && common.has(problemKey(result))} />;
                })}
              </ul>
            </>
          )}
          {shown && local.length > 0 && (
            <div className="check-local">
              <h3>This computer</h3>
              <FindingList findings={local} machine={null} />
            </div>
          )}
        </section>
        <aside className="check-order" aria-label="Deploy order">
          <DeployOrder onSelectMachine={showMachineOnCanvas} />
        </aside>
      </div>
    </div>
  );
}
