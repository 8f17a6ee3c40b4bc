import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { appError, describeError, type AppError } from '../../shared/errors';
import type { HostKeyMode } from '../../shared/ipc/contract';
import {
  checkInstallConfirmation,
  diskByIdArgv,
  diskLabel,
  diskListArgv,
  findDisk,
  installCommands,
  installStepLabels,
  isValidDiskPath,
  parseMachineDisks,
  type InstallConfirmation,
  type InstallMachineResult,
  type InstallReport,
  type InstallStepId,
  type MachineDisk,
} from '../../shared/deploy/install';
import { computeDeployReach } from '../../shared/model/reachability';
import type { Design, Machine, MachineId } from '../../shared/model/types';
import { err, ok, type Result } from '../../shared/result';
import { machineNamePattern } from '../../shared/validation/syntax';
import { newRunId } from '../deploy/history';
import type { DeployPool } from '../deploy/remote';
import { runLocalProgram, type DeployRun } from '../deploy/runDeploy';
import { ConfinedFolder } from '../fs/confinedFolder';
import type { JobContext, JobEngine, JobKindDefinition } from '../jobs/jobEngine';
import { quoteCommand } from '../ssh/quote';
import type { SshTarget } from '../ssh/sshClient';
import { checkLocalClanCli, type MachineSshHooks } from './checkJobs';
import { refusalByRunningJob, writeDeployConfiguration, type DeploySsh } from './deployService';
import type { GenerateService } from './generate';
import { describeTarget, hasAddress, resolveMachineTarget, type TargetOptions } from './machineTargets';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';

// Installing NixOS on one machine that does not run it yet, as its own job (kind `install`), never part of a deploy:
// `clan machines install` erases the disk. The request must carry the machine's exact name and the chosen disk as its
// confirmation; the clan CLI (and Nix) must be on this computer, since nixos-anywhere builds the installer and the
// system here. The job then: connects over SSH with the app's own host key check and finds the disk on the machine
// again (nixos-anywhere itself does not check host keys), writes nothing there, and runs Clan's three commands on
// this computer (shared/deploy/install.ts), each line of their output into the job's log. Each install is kept next to
// the design in `<name>.installs/<run id>/` (install.json and install.log): the deploy history's format is about
// waves, vars and rollbacks, which an install has none of.

/** Install for the job engine: one at a time, and never while a deploy runs (the service checks that). */
export const installJobKind: JobKindDefinition<'install'> = {
  kind: 'install',
  oneAtATime: (running) => appError('installAlreadyRunning', { jobId: running.jobId }),
  slimReport: (report) => ({ ...report, machine: { ...report.machine, message: report.machine.message.slice(0, 500) } }),
};

/** Time limits of the steps (ms). */
export interface InstallTimeouts {
  connect: number;
  hardware: number;
  disk: number;
  install: number;
}

export const defaultInstallTimeouts: InstallTimeouts = { connect: 60_000, hardware: 30 * 60_000, disk: 10 * 60_000, install: 3 * 60 * 60_000 };

/** The install history folder of a design ("home.clan-design.json" -> "home.installs"). */
export function installsFolderOf(stem: string): string {
  return `${stem}.installs`;
}

export interface InstallServiceOptions {
  jobs: JobEngine;
  workspaceDir: string;
  /** Where the app's age key lives (the same as deploy's). */
  ageKeyDir: string;
  generate: GenerateService;
  createSsh: (hooks: MachineSshHooks) => DeploySsh;
  /** Whether the clan CLI is on this computer. Default: `clan --version` answers. */
  hasLocalClan?: () => Promise<boolean>;
  /** Runs a program on this computer (the clan CLI); tests pass a test double. Default: runLocalProgram. */
  runLocal?: DeployRun['runLocal'];
  timeouts?: Partial<InstallTimeouts>;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

/** What an install request carries (the contract's `deploy:install`). */
export interface InstallRequest {
  name: string;
  design: unknown;
  machineId: string;
  disk: string;
  confirm: InstallConfirmation;
  hostKeys: HostKeyMode;
  keys?: readonly string[];
}

type MachineProblem = 'notFound' | 'notManaged' | 'noAddress' | 'badName';

/** The machine to install, or why it cannot be installed from here. */
function machineToInstall(design: Design, machineId: string): Result<Machine, AppError> {
  const machine = design.machines[machineId as MachineId];
  const problem: MachineProblem | null = machine === undefined ? 'notFound' : !machine.managed ? 'notManaged' : !machineNamePattern.test(machine.name) ? 'badName' : !hasAddress(machine) ? 'noAddress' : null;
  if (problem !== null) return err(appError('installMachineUnusable', { machine: machine?.name ?? machineId, reason: problem }));
  return ok(machine!);
}

/** The SSH side's ways to a machine, as resolveMachineTarget takes them. */
function targetsOf(ssh: DeploySsh): TargetOptions {
  return { ...(ssh.resolveTarget === undefined ? {} : { resolveTarget: ssh.resolveTarget }), ...(ssh.identityFor === undefined ? {} : { identityFor: ssh.identityFor }) };
}

/** Reads the machine's disks over SSH (lsblk, /dev/disk/by-id); changes nothing. */
export async function readMachineDisks(pool: Pick<DeployPool, 'exec'>, target: SshTarget, machine: string, options: { signal?: AbortSignal; timeoutMs: number }): Promise<Result<MachineDisk[], AppError>> {
  const exec = { timeoutMs: options.timeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) };
  const listed = await pool.exec(target, diskListArgv(), exec);
  if (!listed.ok) return listed;
  if (listed.value.code !== 0) return err(appError('installDisksUnreadable', { machine, reason: 'lsblkFailed', output: (listed.value.stderr.trim() || `exit status ${String(listed.value.code)}`).slice(-500) }));
  // A machine without /dev/disk/by-id (some VMs) answers with an error: its disks are then known by /dev name only.
  const byId = await pool.exec(target, diskByIdArgv(), exec);
  if (!byId.ok) return byId;
  const disks = parseMachineDisks(listed.value.stdout, byId.value.code === 0 ? byId.value.stdout : '');
  return disks === null ? err(appError('installDisksUnreadable', { machine, reason: 'unreadable' })) : ok(disks);
}

/** The jump host drawn in the design for a machine, as the install passes it to ssh; undefined without one. */
function drawnJump(design: Design, machine: Machine, target: SshTarget): { user: string; host: string; port: number } | undefined {
  const reach = computeDeployReach(design).get(machine.id);
  const jump = reach?.reach === 'jumpHost' && reach.via !== null ? design.machines[reach.via] : undefined;
  if (jump === undefined || !hasAddress(jump) || target.jump === undefined) return undefined;
  return { user: target.jump.username, host: jump.ssh!.host.trim(), port: target.jump.port ?? 22 };
}

export class InstallService {
  private readonly workspace: ConfinedFolder;
  private readonly now: () => number;

  constructor(private readonly options: InstallServiceOptions) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace');
    this.now = options.now ?? Date.now;
  }

  private async hasClan(): Promise<boolean> {
    const local = this.options.hasLocalClan ?? (async () => (await checkLocalClanCli({ timeoutMs: 5_000 })).status === 'ok');
    return local();
  }

  /** The disks of a machine of the design, read over SSH with strict host keys (nothing is asked or recorded). */
  async disks(request: { design: unknown; machineId: string; keys?: readonly string[] }): Promise<Result<{ machine: string; target: string; disks: MachineDisk[] }, AppError>> {
    const parsed = validateDesign(request.design);
    if (!parsed.ok) return parsed;
    const design = parsed.value;
    const machine = machineToInstall(design, request.machineId);
    if (!machine.ok) return machine;
    const ssh = this.options.createSsh({ hostKeyMode: 'strict', ...(request.keys === undefined ? {} : { keyFiles: request.keys }), confirmHostKey: async () => false, askPassphrase: async () => null });
    const signal = new AbortController().signal;
    try {
      const resolved = await resolveMachineTarget(machine.value, design, computeDeployReach(design).get(machine.value.id), targetsOf(ssh), signal);
      if (!resolved.ok) return err(resolved.error);
      const disks = await readMachineDisks(ssh.pool, resolved.target, machine.value.name, { signal, timeoutMs: 30_000 });
      if (!disks.ok) return disks;
      return ok({ machine: machine.value.name, target: `${describeTarget(resolved.target)}${resolved.via === null ? '' : ` through ${resolved.via}`}`, disks: disks.value });
    } finally {
      ssh.pool.dispose();
    }
  }

  /** Installs NixOS on one machine of a saved design; progress follows as job events. See the module comment. */
  async start(request: InstallRequest): Promise<Result<{ jobId: string }, AppError>> {
    const name = normalizeDesignFileName(request.name);
    if (!name.ok) return name;
    const parsed = validateDesign(request.design);
    if (!parsed.ok) return parsed;
    const design = parsed.value;
    const found = machineToInstall(design, request.machineId);
    if (!found.ok) return found;
    const machine = found.value;
    const disk = request.disk;
    if (!isValidDiskPath(disk)) return err(appError('installDiskInvalid', { disk }));
    // Nothing is written, read or run before the confirmation names this machine and this disk exactly.
    const confirmed = checkInstallConfirmation(request.confirm, { machine: machine.name, disk });
    if (!confirmed.ok) return err(appError('installNotConfirmed', { machine: machine.name, disk, mismatch: confirmed.mismatch }));
    const refused = refusalByRunningJob(this.options.jobs, 'install');
    if (refused !== null) return err(refused);
    if (!(await this.hasClan())) return err(appError('installNeedsClanCli', { machine: machine.name }));
    const configured = await writeDeployConfiguration(this.workspace, this.options.generate, this.options.ageKeyDir, name.value, design);
    if (!configured.ok) return configured;
    const flakeDir = join(this.options.workspaceDir, configured.value.folder);
    const runId = newRunId(this.now(), randomBytes(3).toString('hex'));
    const timeouts = { ...defaultInstallTimeouts, ...this.options.timeouts };
    const runLocal = this.options.runLocal ?? runLocalProgram;
    const historyDir = `${installsFolderOf(designStem(name.value))}/${runId}`;
    const logLines: string[] = [];
    let result: InstallMachineResult = { machineId: machine.id, name: machine.name, status: 'cancelled', step: null, message: 'The install ended before it started.', whatToDo: null, disk };
    let target: InstallReport['target'] = null;
    let commands: string[][] = [];
    const reportOf = (outcome: InstallReport['outcome'], startedAt: number, finishedAt: number): InstallReport => ({ kind: 'clan-designer-install', version: 1, runId, startedAt, finishedAt, outcome, machine: result, target, commands });

    return this.options.jobs.start(installJobKind, {
      forFile: name.value,
      machines: [{ machineId: machine.id, name: machine.name }],
      report: ({ outcome, startedAt, finishedAt }) => reportOf(outcome, startedAt, finishedAt),
      run: async (job) => {
        const startedAt = job.now();
        const log = (text: string, stream: 'info' | 'stdout' | 'stderr' = 'info') => {
          job.log(machine.id, text, stream);
          logLines.push(`${new Date(job.now()).toISOString()} ${stream === 'info' ? text : `  ${text}`}`);
          if (logLines.length > 50_000) logLines.splice(0, logLines.length - 50_000);
        };
        const ssh = this.options.createSsh({
          hostKeyMode: request.hostKeys,
          ...(request.keys === undefined ? {} : { keyFiles: request.keys }),
          confirmHostKey: async (prompt, signal) =>
            (await job.ask({ type: 'hostKey', machines: [machine.name], host: prompt.host, port: prompt.port, keyType: prompt.keyType, fingerprint: prompt.fingerprint, otherKeyTypes: prompt.otherKeyTypes, knownHostsFile: ssh.knownHostsPath }, signal)) === true,
          askPassphrase: async (question, signal) => job.ask({ type: 'passphrase', keyPath: question.keyPath, host: question.host, attempt: question.attempt ?? 1 }, signal),
        });
        let crashed = false;
        try {
          job.machineStarted(machine.id);
          result = await this.runSteps(job, { design, machine, disk, flakeDir, ssh, timeouts, runLocal, log, found: (t, c) => {
              target = t;
              commands = c;
            },
          });
        } catch (error) {
          crashed = true;
          result = { ...result, status: 'failed', message: `The install stopped on an error in the app (${(error as Error).message}). The machine may be in the middle of it: check it at its console.`, whatToDo: 'Report this with the log.' };
          throw error;
        } finally {
          ssh.pool.dispose();
          log(`${machine.name}: ${result.message}`);
          job.machineDone(machine.id, result);
          const report = reportOf(crashed ? 'failed' : job.signal.aborted ? 'cancelled' : 'finished', startedAt, job.now());
          const kept = await this.workspace.writeFile(`${historyDir}/install.json`, `${JSON.stringify(report, null, 2)}\n`);
          const logged = await this.workspace.writeFile(`${historyDir}/install.log`, `${logLines.join('\n')}\n`);
          if (!kept.ok || !logged.ok) this.options.log?.('could not keep the install next to the design', kept.ok ? (logged as { error: AppError }).error : kept.error);
        }
      },
    });
  }

  /** The four steps; returns the machine's result. */
  private async runSteps(
    job: JobContext<'install'>,
    run: {
      design: Design;
      machine: Machine;
      disk: string;
      flakeDir: string;
      ssh: DeploySsh;
      timeouts: InstallTimeouts;
      runLocal: NonNullable<DeployRun['runLocal']>;
      log: (text: string, stream?: 'info' | 'stdout' | 'stderr') => void;
      found: (target: NonNullable<InstallReport['target']>, commands: string[][]) => void;
    },
  ): Promise<InstallMachineResult> {
    const { design, machine, disk, timeouts, log } = run;
    const total = 4;
    const resultOf = (status: InstallMachineResult['status'], step: InstallStepId | null, message: string, whatToDo: string | null): InstallMachineResult => ({ machineId: machine.id, name: machine.name, status, step, message, whatToDo, disk });

    // 1. Connect with the app's host key check and find the disk again: it may have changed since it was listed.
    const connected = await job.step(machine.id, { index: 1, total, label: installStepLabels.connect, timeoutMs: timeouts.connect }, async (signal) => {
      const resolved = await resolveMachineTarget(machine, design, computeDeployReach(design).get(machine.id), targetsOf(run.ssh), signal);
      if (!resolved.ok) return err(resolved.error);
      const disks = await readMachineDisks(run.ssh.pool, resolved.target, machine.name, { signal, timeoutMs: timeouts.connect });
      if (!disks.ok) return disks;
      const chosen = findDisk(disks.value, disk);
      if (chosen === undefined) return err(appError('installDiskNotFound', { machine: machine.name, disk, disks: disks.value.map((d) => d.path ?? d.devPath) }));
      const jump = drawnJump(design, machine, resolved.target);
      const commands = installCommands({ flakeDir: run.flakeDir, machine: machine.name, disk, login: { user: resolved.target.username, host: machine.ssh!.host.trim(), port: resolved.target.port ?? 22, ...(jump === undefined ? {} : { jump }) } });
      if (commands === null) return err(appError('installMachineUnusable', { machine: machine.name, reason: 'badTarget' }));
      return ok({ chosen, commands, via: resolved.via });
    });
    if (connected.status === 'cancelled') return resultOf('cancelled', 'connect', 'Cancelled before anything was changed on it.', null);
    if (connected.status === 'timedOut') return resultOf('failed', 'connect', `It could not be reached within ${Math.round(timeouts.connect / 1000)} seconds. Nothing was changed on it.`, 'Check that it is switched on and reachable over SSH, then try again.');
    if (!connected.value.ok) return resultOf('failed', 'connect', `${describeError(connected.value.error)}`, 'Nothing was changed on it. Fix the cause, then try again.');
    const { chosen, commands, via } = connected.value.value;
    run.found({ login: commands.login, install: commands.root }, [commands.hardware, commands.disk, commands.install]);
    log(`Connected to ${machine.name}${via === null ? '' : ` through ${via}`}. ${disk} is ${chosen.devPath}, ${diskLabel(chosen)}${chosen.serial === null ? '' : `, serial ${chosen.serial}`}.`);

    // 2-4. Clan's commands on this computer, one after the other; the first that fails stops the rest.
    const steps: { id: Exclude<InstallStepId, 'connect'>; argv: string[]; timeoutMs: number }[] = [
      { id: 'hardware', argv: commands.hardware, timeoutMs: timeouts.hardware },
      { id: 'disk', argv: commands.disk, timeoutMs: timeouts.disk },
      { id: 'install', argv: commands.install, timeoutMs: timeouts.install },
    ];
    for (const [i, step] of steps.entries()) {
      log(`$ ${quoteCommand(step.argv)}`);
      const outcome = await job.step(machine.id, { index: i + 2, total, label: installStepLabels[step.id], timeoutMs: step.timeoutMs }, (signal) =>
        run.runLocal(step.argv, { signal, timeoutMs: step.timeoutMs, onLine: (line, stream) => log(line, stream) }),
      );
      const state = stateAfter(step.id);
      if (outcome.status === 'cancelled') return resultOf('cancelled', step.id, `Cancelled during “${installStepLabels[step.id]}”. ${state.message}`, state.whatToDo);
      if (outcome.status === 'timedOut') return resultOf('failed', step.id, `“${installStepLabels[step.id]}” did not finish within ${Math.round(step.timeoutMs / 60_000)} minutes and was stopped. ${state.message}`, state.whatToDo);
      if (outcome.value.code !== 0) {
        const why = outcome.value.error ?? `clan exited with status ${String(outcome.value.code)}`;
        return resultOf('failed', step.id, `“${installStepLabels[step.id]}” failed (${why}); the log above has Clan's own words. ${state.message}`, state.whatToDo);
      }
    }
    return resultOf(
      'installed',
      null,
      `NixOS is installed on ${machine.name} (${disk}), with its configuration; the machine restarts into it. The hardware report and the disk layout are in its folder (machines/${machine.name}/facter.json, disko.nix).`,
      'Check the machines again, then deploy as usual. The new system has a new SSH host key unless the design pins one: if the check refuses a changed key, compare the fingerprint at the console and remove the old line from known_hosts.',
    );
  }
}

/** What state the machine is in after a step stopped, and what to do. */
function stateAfter(step: Exclude<InstallStepId, 'connect'>): { message: string; whatToDo: string } {
  switch (step) {
    case 'hardware':
      return {
        message: 'Its disk was not touched, but it may now run the NixOS installer in memory instead of its own system.',
        whatToDo: 'Restarting it brings back its own system. Fix the cause named in the log, then try again.',
      };
    case 'disk':
      return { message: 'Its disk was not touched; it runs the NixOS installer in memory.', whatToDo: 'Fix the cause named in the log (a disk Clan does not accept is named there with the ones it does), then try again; restarting the machine brings back its own system.' };
    case 'install':
      return {
        message: 'Its disk may be partly erased, so it may not start its old system any more.',
        whatToDo: 'Fix the cause named in the log and install again; the install starts over from an empty disk. Nothing on that disk can be brought back by the app.',
      };
  }
}
