import { useEffect, useId, useState } from 'react';
import { diskSizeText, erasureSentence, installStepIds, type MachineDisk } from '../../../shared/deploy/install';
import type { Design, Machine } from '../../../shared/model/types';
import { plural } from '../../../shared/text';
import { appContext } from '../app/appContext';
import { Modal } from '../dialogs/Modal';
import { getDocument, useDesign } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useCheckStore } from './checkStore';
import { DeployLog } from './DeployLog';
import { useIsDeploying } from './deployStore';
import { useInstallStore, useIsInstalling } from './installStore';
import { useSshKeysStore } from './sshKeysStore';
import './install.css';

/** The machines NixOS can be installed on from here: managed, with an SSH address. */
function installable(design: Design): Machine[] {
  return Object.values(design.machines)
    .filter((m) => m.managed && m.ssh !== null && m.ssh.host.trim() !== '')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One disk as a choice: its stable path, size, model and how it is attached. */
function DiskChoice({ disk, group, checked, onPick }: { disk: MachineDisk; group: string; checked: boolean; onPick: (path: string) => void }) {
  const facts = [disk.transport, disk.removable ? 'removable' : null, disk.serial === null ? null : `serial ${disk.serial}`, disk.devPath].filter((f) => f !== null).join(' · ');
  return (
    <li className="install-disk">
      <label>
        <input type="radio" name={group} value={disk.path ?? ''} checked={checked} disabled={disk.path === null} onChange={() => disk.path !== null && onPick(disk.path)} data-testid={`install-disk-${disk.name}`} />
        <span>
          <strong>
            {diskSizeText(disk.sizeBytes)} {disk.model ?? 'disk'}
          </strong>{' '}
          <span className="deploy-meta">{facts}</span>
          <br />
          <code className="install-disk-path">{disk.path ?? 'Cannot be used: its names have characters the app refuses.'}</code>
          {disk.path !== null && disk.byId.length === 0 && <span className="deploy-meta"> (no stable by-id name: /dev names can change between restarts)</span>}
        </span>
      </label>
    </li>
  );
}

/** Picking the machine (when the dialog was opened without one), its disk, and typing its name to confirm. */
function InstallForm() {
  const design = useDesign((s) => s.design);
  const fileName = useDesign((s) => s.file.name);
  const machineId = useInstallStore((s) => s.machineId);
  const diskList = useInstallStore((s) => s.diskList);
  const starting = useInstallStore((s) => s.starting);
  const startError = useInstallStore((s) => s.startError);
  const picked = useSshKeysStore((s) => s.picked);
  const hostKeys = useCheckStore((s) => s.hostKeyMode);
  const deploying = useIsDeploying();
  const installing = useIsInstalling();
  const [disk, setDisk] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const group = useId();
  const nameId = useId();
  const machine = machineId === null ? undefined : design.machines[machineId as keyof Design['machines']];
  const candidates = installable(design);

  // The disks of the machine, read once per machine (reading them changes nothing on it).
  useEffect(() => {
    if (machineId === null || appContext.backend === null) return;
    if (useInstallStore.getState().diskList?.machineId === machineId) return;
    void useInstallStore.getState().loadDisks(appContext.backend, getDocument().design, machineId, useSshKeysStore.getState().picked);
  }, [machineId]);

  const pickMachine = (id: string) => {
    setDisk(null);
    setTyped('');
    useInstallStore.getState().pickMachine(id === '' ? null : id);
  };
  const chosen = diskList?.disks?.find((d) => d.path === disk);
  const confirmed = machine !== undefined && typed === machine.name;
  const blockedBy = fileName === null ? 'Save the design first: the configuration is written next to its file.' : deploying ? 'A deploy is running; wait for it to end.' : installing ? 'Another install is running.' : null;
  const canStart = machine !== undefined && chosen !== undefined && confirmed && !starting && blockedBy === null && appContext.backend !== null;

  const start = () => {
    if (!canStart || fileName === null) return;
    void useInstallStore.getState().start(appContext.backend!, { fileName, design, machineId: machine.id, disk: chosen.path!, typedName: typed, hostKeys, keys: picked });
  };

  return (
    <div className="install-form">
      <p>
        Installing NixOS erases one disk of the machine and puts NixOS with the machine’s configuration on it, using Clan’s own tools on this computer
        (the clan CLI and Nix are needed here). It is never part of a deploy. The machine first restarts into a NixOS installer in memory to read its
        hardware; then the disk is erased and NixOS installed.
      </p>
      {candidates.length === 0 ? (
        <p className="error-text">No managed machine has an SSH address, so there is nothing to install on.</p>
      ) : (
        <label className="install-field">
          Machine
          <select value={machineId ?? ''} onChange={(e) => pickMachine(e.currentTarget.value)} data-testid="install-machine">
            <option value="">Pick a machine…</option>
            {candidates.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {machine !== undefined && (
        <section aria-label={`Disks of ${machine.name}`}>
          <h3 className="install-heading">Disks of {machine.name}{diskList?.target != null ? ` (${diskList.target})` : ''}</h3>
          {diskList === null || diskList.loading ? (
            <p className="deploy-meta" role="status">
              Reading the disks over SSH, changing nothing…
            </p>
          ) : diskList.error !== null ? (
            <p className="error-text" role="alert" data-testid="install-disks-error">
              {diskList.error}
            </p>
          ) : diskList.disks!.length === 0 ? (
            <p className="error-text">The machine has no disk the install could use.</p>
          ) : (
            <>
              <p className="deploy-meta">
                {diskList.disks!.length} {plural(diskList.disks!.length, 'disk', 'disks')}, biggest first. Pick the one to erase.
              </p>
              <ul className="install-disks" data-testid="install-disks">
                {diskList.disks!.map((d) => (
                  <DiskChoice key={d.name} disk={d} group={group} checked={d.path !== null && d.path === disk} onPick={setDisk} />
                ))}
              </ul>
            </>
          )}
        </section>
      )}
      {machine !== undefined && chosen !== undefined && (
        <>
          <p className="install-warning" role="alert" data-testid="install-warning">
            {erasureSentence(machine.name, chosen.path!, chosen)}
          </p>
          <label className="install-field" htmlFor={nameId}>
            Type the machine’s name, <strong>{machine.name}</strong>, to confirm
          </label>
          <input id={nameId} type="text" value={typed} autoComplete="off" spellCheck={false} onChange={(e) => setTyped(e.currentTarget.value)} data-testid="install-confirm-name" />
        </>
      )}
      {blockedBy !== null && <p className="deploy-meta">{blockedBy}</p>}
      {startError !== null && (
        <p className="error-text" role="alert" data-testid="install-start-error">
          {startError}
        </p>
      )}
      <div className="button-row">
        <button type="button" onClick={() => useInstallStore.getState().close()}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={!canStart} onClick={start} data-testid="install-start">
          {chosen === undefined ? 'Erase the disk and install' : `Erase ${chosen.path} and install`}
        </button>
      </div>
    </div>
  );
}

/** The install running (or just ended): its step, its live log, Cancel, and at the end what happened and what to do. */
function InstallRun({ jobId }: { jobId: string }) {
  const machineId = useInstallStore((s) => s.machineId);
  const report = useInstallStore((s) => s.report);
  const view = useJobsStore((s) => (machineId === null ? undefined : s.jobs[jobId]?.machines[machineId]));
  const outcome = useJobsStore((s) => s.jobs[jobId]?.outcome ?? null);
  const name = view?.name ?? report?.machine.name ?? 'the machine';
  const step = report === null ? (view?.step ?? null) : null;
  const ended = report !== null || outcome !== null;
  const result = report?.machine;
  return (
    <div className="install-run" data-testid="install-run">
      <p role="status" data-testid="install-status">
        {result === undefined
          ? ended
            ? `The install of NixOS on ${name} has ended.`
            : `Installing NixOS on ${name}${step === null ? '…' : `: step ${step.index} of ${step.total}, ${step.label}.`}`
          : result.status === 'installed'
            ? `NixOS is installed on ${name}.`
            : result.status === 'cancelled'
              ? `The install on ${name} was cancelled.`
              : `The install on ${name} failed.`}
      </p>
      {!ended && (
        <div className="run-step">
          <progress max={installStepIds.length} value={step === null ? 0 : step.index - 0.5} aria-label={`${name}: install progress`} aria-valuetext={step === null ? 'Starting' : `Step ${step.index} of ${step.total}: ${step.label}`} />
          {view?.log.at(-1) !== undefined && <span className="run-last-line">{view.log.at(-1)!.text}</span>}
        </div>
      )}
      {result !== undefined && (
        <div className={result.status === 'installed' ? 'install-result' : 'install-result install-result-bad'} data-testid="install-result">
          <p>{result.message}</p>
          {result.whatToDo !== null && (
            <p>
              <strong>What to do:</strong> {result.whatToDo}
            </p>
          )}
        </div>
      )}
      <DeployLog lines={view?.log ?? []} label={`Log of the install on ${name}`} testId="install-log" />
      <div className="button-row">
        {!ended ? (
          <button type="button" onClick={() => appContext.backend !== null && void useJobsStore.getState().cancel(appContext.backend, jobId)} data-testid="install-cancel">
            Cancel the install
          </button>
        ) : null}
        <button type="button" className={ended ? 'primary' : ''} onClick={() => useInstallStore.getState().close()}>
          {ended ? 'Close' : 'Hide (it goes on)'}
        </button>
      </div>
    </div>
  );
}

/**
 * "Install NixOS": installs NixOS on one machine that does not run it yet, erasing a disk. The person picks the disk
 * from the machine's list (size, model, by-id path), reads what will be erased, and must type the machine's name to
 * enable the red button; then the install's progress and log show here, from the jobs store as for every job.
 */
export function InstallDialog() {
  const open = useInstallStore((s) => s.open);
  const jobId = useInstallStore((s) => s.jobId);
  const machineId = useInstallStore((s) => s.machineId);
  const name = useDesign((s) => (machineId === null ? null : (s.design.machines[machineId as keyof Design['machines']]?.name ?? null)));
  if (!open) return null;
  return (
    <Modal title={name === null ? 'Install NixOS on a machine' : `Install NixOS on ${name}`} onClose={() => useInstallStore.getState().close()} className="wide install-dialog" testId="install-dialog">
      {jobId === null ? <InstallForm /> : <InstallRun jobId={jobId} />}
    </Modal>
  );
}
