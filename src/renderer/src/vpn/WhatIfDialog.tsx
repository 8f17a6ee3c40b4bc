import { useMemo, useState } from 'react';
import type { DesignProfile } from '../../../shared/bench/advisor';
import { describeProfile } from '../../../shared/bench/leaderboard';
import type { BenchDataset } from '../../../shared/bench/schema';
import { computeWhatIf, formatWhatIfFigure, type FeatureChange, type FileChange, type WhatIf } from '../../../shared/bench/whatIf';
import { describePathCounts } from '../../../shared/model/vpnSwitch';
import type { Design } from '../../../shared/model/types';
import { describeGenerateError } from '../../../shared/nix/errors';
import { vpnCatalog } from '../../../shared/vpn/catalog';
import { vpnIds, type VpnId } from '../../../shared/vpn/ids';
import { appContext } from '../app/appContext';
import type { ChooseVpnArgs } from '../commands/comparisonCommands';
import { executeCommand } from '../commands/registry';
import { DiffView } from '../components/DiffView';
import { Modal } from '../dialogs/Modal';
import { describeDecidingSite } from './profileText';

// "What if": another VPN for this design, with everything that would change shown before anything does (issue 17):
// the roles machine by machine, the measured figures in the profile the design's links stand for, the features
// gained and lost, the predicted paths and the generated configuration as a diff. Switch runs chooseVpn, one undo
// step that applies exactly the design shown here (switchVpn).

const roleWords = { joins: 'joins', leaves: 'leaves the VPN', changes: 'changes', same: '' } as const;
const statusWords = { added: 'new', removed: 'removed', changed: 'changed', same: '' } as const;
const verdictWords = { better: 'better', worse: 'worse', same: '', unknown: '' } as const;

function vpnName(vpn: VpnId | null): string {
  return vpn === null ? 'No VPN' : vpnCatalog[vpn].name;
}

/** The heading row of a before/after table: what the rows are, the VPN now, the other one, and maybe the change. */
function BeforeAfterHead({ first, from, to, last }: { first: string; from: VpnId | null; to: VpnId; last?: string }) {
  return (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        <th scope="col">{vpnName(from)}</th>
        <th scope="col">{vpnName(to)}</th>
        {last !== undefined && <th scope="col">{last}</th>}
      </tr>
    </thead>
  );
}

function FeatureList({ title, items, testId }: { title: string; items: readonly FeatureChange[]; testId: string }) {
  if (items.length === 0) return null;
  return (
    <div className={`feature-changes ${testId}`} data-testid={testId}>
      <h4>{title}</h4>
      <ul>
        {items.map((f) => (
          <li key={f.id}>
            <strong>{f.label}:</strong> {f.before === '' ? f.after : `${f.before} → ${f.after}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The first file worth looking at: inventory.json when it changes, else the first that changes. */
function firstChanged(files: readonly FileChange[]): string | null {
  const changed = files.filter((f) => f.status !== 'same');
  return (changed.find((f) => f.path === 'inventory.json') ?? changed[0])?.path ?? null;
}

function FilesSection({ whatIf }: { whatIf: WhatIf }) {
  const [picked, setPicked] = useState<string | null>(null);
  if (!whatIf.files.ok) {
    return (
      <section className="what-if-section what-if-files" data-testid="what-if-files">
        <h3>Configuration</h3>
        <p className="error-text">
          The configuration {whatIf.files.side === 'before' ? 'of the design as it is' : `with ${vpnName(whatIf.to)}`} cannot be generated: {describeGenerateError(whatIf.files.error)}
        </p>
      </section>
    );
  }
  const files = whatIf.files.files;
  const changed = files.filter((f) => f.status !== 'same');
  const same = files.length - changed.length;
  const current = changed.find((f) => f.path === picked) ?? changed.find((f) => f.path === firstChanged(files));
  return (
    <section className="what-if-section what-if-files" data-testid="what-if-files">
      <h3>Configuration</h3>
      <p className="what-if-lead">
        {changed.length === 0 ? 'No generated file changes.' : `${changed.length} of ${files.length} generated files change`}
        {changed.length > 0 && same > 0 ? `; ${same} stay the same.` : changed.length > 0 ? '.' : ''}
      </p>
      <div className="what-if-files-body">
        <ul className="what-if-file-list" aria-label="Files that change">
          {changed.map((f) => (
            <li key={f.path}>
              <button type="button" className={f.path === current?.path ? 'active' : ''} aria-pressed={f.path === current?.path} onClick={() => setPicked(f.path)} data-testid={`what-if-file-${f.path}`}>
                <span className="file-path">{f.path}</span>
                <span className={`file-status file-${f.status}`}>{statusWords[f.status]}</span>
                <span className="line-counts">
                  <span className="lines-added">+{f.addedLines}</span> <span className="lines-removed">−{f.removedLines}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
        {current !== undefined && <DiffView before={current.before ?? ''} after={current.after ?? ''} label={`Changes to ${current.path}`} />}
      </div>
    </section>
  );
}

/**
 * The what-if panel for one VPN (the user may pick another in it). Computes the configuration twice for the VPN
 * shown, so it is worked out for that VPN only, once per design.
 */
export function WhatIfDialog({ dataset, design, profile, vpn, onClose }: { dataset: BenchDataset; design: Design; profile: DesignProfile; vpn: VpnId; onClose: () => void }) {
  const [to, setTo] = useState<VpnId>(vpn);
  const whatIf = useMemo(() => computeWhatIf(design, dataset, to, profile), [design, dataset, to, profile]);
  const from = whatIf.from;
  const moved = whatIf.roles.filter((r) => r.change !== 'same').length;
  const at = describeProfile(dataset, whatIf.profile.profile);
  const site = describeDecidingSite(design, whatIf.profile);
  const switchTo = async () => {
    await executeCommand(appContext, 'chooseVpn', { vpn: to } satisfies ChooseVpnArgs);
    onClose();
  };
  const title = from === null ? `What if you used ${vpnName(to)}?` : `What if you used ${vpnName(to)} instead of ${vpnName(from)}?`;
  return (
    <Modal title={title} onClose={onClose} className="what-if dialog-with-footer" testId="what-if">
      <div className="dialog-body">
        <div className="what-if-pick">
          <label>
            VPN{' '}
            <select value={to} onChange={(e) => setTo(e.currentTarget.value as VpnId)} data-testid="what-if-vpn">
              {vpnIds
                .filter((id) => id !== from)
                .map((id) => (
                  <option key={id} value={id}>
                    {vpnCatalog[id].name}
                  </option>
                ))}
            </select>
          </label>
          <span className="what-if-note">Nothing changes until you press Switch.</span>
        </div>
        <div className="what-if-grid">
          <div className="what-if-column">
            <section className="what-if-section" data-testid="what-if-roles">
              <h3>Roles</h3>
              <p className="what-if-lead">
                {moved === 0 ? 'No machine changes its role.' : `${moved} of ${whatIf.roles.length} machines ${moved === 1 ? 'changes its role' : 'change their roles'}.`} Connections between sites:{' '}
                {describePathCounts(whatIf.paths.before)} → {describePathCounts(whatIf.paths.after)}.
              </p>
              <table className="what-if-table">
                <BeforeAfterHead first="Machine" from={from} to={to} />
                <tbody>
                  {whatIf.roles.map((r) => (
                    <tr key={r.machineId} data-machine={r.machine} className={`role-${r.change}`}>
                      <th scope="row">{r.machine}</th>
                      <td>{r.before.length === 0 ? '—' : r.before.join(', ')}</td>
                      <td>
                        {r.after.length === 0 ? '—' : r.after.join(', ')}
                        {roleWords[r.change] !== '' && <span className="role-change"> {roleWords[r.change]}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section className="what-if-section" data-testid="what-if-performance">
              <h3>Performance for your design</h3>
              <p className="what-if-lead" title={whatIf.profile.reason}>
                Measured at {at}, the profile your design&apos;s links are closest to{site === null ? '' : ` (${site})`}.
              </p>
              <ul className="what-if-summary" data-testid="what-if-summary">
                {whatIf.criteria.map((c) => (
                  <li key={c.criterion} className={`verdict-${c.verdict}`}>
                    {c.sentence}
                  </li>
                ))}
              </ul>
              <table className="what-if-table">
                <BeforeAfterHead first="Test" from={from} to={to} last="Change" />
                <tbody>
                  {whatIf.figures.map((f) => (
                    <tr key={f.workload} data-workload={f.workload}>
                      <th scope="row">
                        {f.label} <span className="direction">{f.direction === 'higherIsBetter' ? '↑' : '↓'}</span>
                      </th>
                      <td>{formatWhatIfFigure(f.before, f.unit)}</td>
                      <td>{formatWhatIfFigure(f.after, f.unit)}</td>
                      <td className={`verdict-${f.verdict}`}>
                        {f.change}
                        {verdictWords[f.verdict] !== '' && <span className="verdict-word"> {verdictWords[f.verdict]}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section className="what-if-section" data-testid="what-if-features">
              <h3>Features</h3>
              {whatIf.gained.length + whatIf.lost.length + whatIf.changed.length === 0 && <p className="what-if-lead">The feature matrix rates both the same.</p>}
              <FeatureList title="Gained" items={whatIf.gained} testId="features-gained" />
              <FeatureList title="Lost" items={whatIf.lost} testId="features-lost" />
              <FeatureList title="Different" items={whatIf.changed} testId="features-changed" />
            </section>
          </div>
          <FilesSection key={to} whatIf={whatIf} />
        </div>
      </div>
      <div className="button-row dialog-footer">
        <span className="what-if-note">One undo step takes the switch back.</span>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={() => void switchTo()} data-testid="what-if-switch">
          Switch to {vpnName(to)}
        </button>
      </div>
    </Modal>
  );
}
