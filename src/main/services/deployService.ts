import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { appError, describeError, type AppError } from '../../shared/errors';
import type { HostKeyMode } from '../../shared/ipc/contract';
import { remoteFlakeDir } from '../../shared/deploy/commands';
import { makeDeployPlan, type DeployPlan, type DeployWay, type RemoteState } from '../../shared/deploy/plan';
import { countByStatus, type DeployHistoryEntry, type DeployMachineResult, type DeployReport } from '../../shared/deploy/report';
import { computeDeployReach } from '../../shared/model/reachability';
import { recordValues } from '../../shared/model/overlay';
import type { Design, MachineId } from '../../shared/model/types';
import { generateClan } from '../../shared/nix/generate';
import { describeGenerateError } from '../../shared/nix/errors';
import { appSopsKeyPath, sopsUserKeyJson } from '../../shared/nix/sopsAdmin';
import type { CheckReport } from '../../shared/schema/checkReport';
import { err, ok, type Result } from '../../shared/result';
import { loadOrCreateAgeIdentity, type AppAgeIdentity } from '../deploy/ageIdentity';
import { checksums, readFlakeFolder, writeIntoFlakeFolder } from '../deploy/flakeFolder';
import { DeployHistoryWriter, listDeployHistory, newRunId, readDeployHistoryEntry } from '../deploy/history';
import { MachineRemote, type DeployPool } from '../deploy/remote';
import { defaultDeployTimeouts, runDeploy, type DeployRun, type DeployTimeouts } from '../deploy/runDeploy';
import { ConfinedFolder } from '../fs/confinedFolder';
import type { JobEngine, JobKindDefinition } from '../jobs/jobEngine';
import { checkLocalClanCli, type MachineSsh, type MachineSshHooks } from './checkJobs';
import type { GenerateService } from './generate';
import { resolveMachineTarget } from './machineTargets';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';

// Deploy as a job of the job engine and a set of operations on the contract: the plan (a dry run), the deploy itself
// (write the configuration, survey the machines, plan, run the plan — main/deploy/runDeploy.ts), and the history kept
// next to the design. One deploy runs at a time, and none while a verify or a measurement runs.

/** The deploy settings of a design (saved with it since format version 3). */
export function deploySettingsOf(design: Design): { varsHelper: MachineId | null; confirmSeconds: number; concurrency: number } {
  return { varsHelper: design.deploy.varsHelper, confirmSeconds: design.deploy.rollbackSeconds, concurrency: design.deploy.concurrency };
}

/**
 * Writes a design's configuration before a deploy or an install, as "Write configuration" would: files changed by hand
 * stop it here, before anything is sent anywhere. Then lists the app's own age key as a Clan secrets admin, so the vars
 * helper makes secrets the app can decrypt; it is written beside the vars (Write configuration never touches it),
 * because only deploying needs it. Returns the flake folder (relative to the workspace) and the app's age identity.
 */
export async function writeDeployConfiguration(
  workspace: ConfinedFolder,
  generate: GenerateService,
  ageKeyDir: string,
  name: string,
  design: Design,
): Promise<Result<{ folder: string; age: AppAgeIdentity }, AppError>> {
  const written = await generate.write(name, design, { force: false });
  if (!written.ok) return written;
  const folder = written.value.folder;
  const age = await loadOrCreateAgeIdentity(ageKeyDir);
  const listed = await writeIntoFlakeFolder(workspace, folder, { [appSopsKeyPath]: new TextEncoder().encode(sopsUserKeyJson(age.recipient)) });
  if (!listed.ok) return listed;
  return ok({ folder, age });
}

/**
 * Why a deploy or an install may not start now, or null. One of them runs at a time (an install erases a disk, a
 * deploy switches systems). Neither runs while a verify or a measurement does: either is talking to the machines over
 * the VPN, and a VPN switched (or a machine erased) under it would give wrong results. Any such job refuses, whatever
 * design it is for, as a verify and a measurement refuse to start next to any deploy or install.
 */
export function refusalByRunningJob(jobs: JobEngine, action: 'deploy' | 'install'): AppError | null {
  const deploying = jobs.runningOf('deploy');
  if (deploying !== null) return appError('deployAlreadyRunning', { jobId: deploying.jobId });
  const installing = jobs.runningOf('install');
  if (installing !== null) return appError('installAlreadyRunning', { jobId: installing.jobId });
  for (const kind of ['verify', 'measure'] as const) {
    const running = jobs.runningOf(kind);
    if (running !== null) return appError('deployBlockedByJob', { jobId: running.jobId, kind, action });
  }
  return null;
}

/** Deploy for the job engine: one at a time; its history is kept by the deploy itself (several runs per design). */
export const deployJobKind: JobKindDefinition<'deploy'> = {
  kind: 'deploy',
  oneAtATime: (running) => appError('deployAlreadyRunning', { jobId: running.jobId }),
  slimReport: (report) => ({ ...report, machines: report.machines.map((m) => ({ ...m, message: m.message.slice(0, 500) })) }),
};

/** The SSH side of a deploy: the pool must also do SFTP and reconnects. */
export type DeploySsh = MachineSsh & { pool: DeployPool & { dispose(): void } };

export interface DeployServiceOptions {
  jobs: JobEngine;
  workspaceDir: string;
  /** Where the app's age key lives (one key per user and computer, whichever way the app runs). */
  ageKeyDir: string;
  generate: GenerateService;
  createSsh: (hooks: MachineSshHooks) => DeploySsh;
  /** The last check kept with a design file. */
  lastCheck: (designFile: string) => Promise<CheckReport | null>;
  /** Whether the clan CLI is on this computer (then Clan's own tools deploy). Default: `clan --version` answers. */
  hasLocalClan?: () => Promise<boolean>;
  runLocal?: DeployRun['runLocal'];
  timeouts?: Partial<DeployTimeouts>;
  /** Overrides the design's rollback time limit (whose lowest value is 30 s), so tests need not wait that long. */
  confirmSeconds?: number;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

interface PreparedDesign {
  name: string;
  stem: string;
  design: Design;
}

export class DeployService {
  private readonly workspace: ConfinedFolder;
  private readonly now: () => number;

  constructor(private readonly options: DeployServiceOptions) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace');
    this.now = options.now ?? Date.now;
  }

  private prepare(request: { name: string; design: unknown }): Result<PreparedDesign, AppError> {
    const name = normalizeDesignFileName(request.name);
    if (!name.ok) return name;
    // The design comes from the renderer: it is checked against the same schema as a design file.
    const parsed = validateDesign(request.design);
    if (!parsed.ok) return parsed;
    return ok({ name: name.value, stem: designStem(name.value), design: parsed.value });
  }

  private async way(): Promise<{ way: DeployWay; reason: string }> {
    const local = this.options.hasLocalClan ?? (async () => (await checkLocalClanCli({ timeoutMs: 5_000 })).status === 'ok');
    return (await local())
      ? { way: 'clanCli', reason: 'The clan CLI is on this computer, so Clan’s own tools make the vars and update the machines; the app adds the watchdog and the confirmation over SSH.' }
      : { way: 'onMachine', reason: 'There is no clan CLI (and no Nix) on this computer, so the configuration is uploaded to each machine and built there, and a vars helper makes the vars.' };
  }

  /** The files the deploy would upload: the flake folder as it is, with the generated files as they would be written. */
  private async plannedFlakeFiles(prepared: PreparedDesign): Promise<{ files: Record<string, string> | null; error?: string }> {
    const generated = generateClan(prepared.design);
    if (!generated.ok) return { files: null, error: describeGenerateError(generated.error) };
    const onDisk = await readFlakeFolder(this.workspace, `${prepared.stem}.clan`);
    const files = onDisk.ok ? checksums(onDisk.value) : {};
    const encoder = new TextEncoder();
    Object.assign(files, checksums(Object.fromEntries(Object.entries(generated.value.files).map(([p, c]) => [p, encoder.encode(c)]))));
    return { files };
  }

  /** Reads every machine that will be deployed, changing nothing (strict host keys: nothing is asked or recorded). */
  private async survey(design: Design, ssh: DeploySsh, signal: AbortSignal, timeoutMs: number): Promise<Map<string, RemoteState>> {
    const reach = computeDeployReach(design);
    const states = new Map<string, RemoteState>();
    const machines = recordValues(design.machines).filter((m) => m.managed && m.ssh !== null && m.ssh.host.trim() !== '' && reach.get(m.id)?.reach !== 'unreachable');
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(8, machines.length) }, async () => {
        while (next < machines.length) {
          const machine = machines[next]!;
          next += 1;
          const resolved = await resolveMachineTarget(machine, design, reach.get(machine.id), { ...(ssh.resolveTarget === undefined ? {} : { resolveTarget: ssh.resolveTarget }), ...(ssh.identityFor === undefined ? {} : { identityFor: ssh.identityFor }) }, signal);
          if (!resolved.ok) {
            states.set(machine.id, { reached: false, reason: describeError(resolved.error) });
            continue;
          }
          const remote = new MachineRemote(ssh.pool, resolved.target);
          const facts = await remote.survey({ signal, timeoutMs });
          if (!facts.ok) {
            states.set(machine.id, { reached: false, reason: describeError(facts.error) });
            continue;
          }
          const deployed = await remote.readDeployed(remoteFlakeDir(facts.value.home, design.meta.clanName), signal);
          states.set(machine.id, { reached: true, home: facts.value.home, uid: facts.value.uid, currentSystem: facts.value.currentSystem ?? facts.value.profileSystem, deployedFiles: deployed.ok ? deployed.value : null });
        }
      }),
    );
    return states;
  }

  /** The design's deploy settings, with the rollback time a test may set lower than the design allows. */
  private settingsOf(design: Design): ReturnType<typeof deploySettingsOf> {
    return { ...deploySettingsOf(design), ...(this.options.confirmSeconds === undefined ? {} : { confirmSeconds: this.options.confirmSeconds }) };
  }

  private selectMachines(plan: DeployPlan, machines: readonly string[] | undefined): DeployPlan {
    if (machines === undefined) return plan;
    const wanted = new Set(machines);
    const unselect = <T extends { machineId: string; blocked: DeployPlan['waves'][number]['machines'][number]['blocked'] }>(m: T): T =>
      wanted.has(m.machineId) || m.blocked !== null ? m : { ...m, blocked: { reason: 'it was not selected for this deploy', whatToDo: 'Select it, or deploy all machines.' }, steps: [] };
    return { ...plan, afterVpn: plan.afterVpn.map(unselect), waves: plan.waves.map((w) => ({ ...w, machines: w.machines.map(unselect) })) };
  }

  /** The plan of a saved design: a dry run that reads the machines and changes nothing anywhere. */
  async plan(request: { name: string; design: unknown; machines?: readonly string[] }): Promise<Result<{ plan: DeployPlan }, AppError>> {
    const prepared = this.prepare(request);
    if (!prepared.ok) return prepared;
    const { design, name } = prepared.value;
    const [way, flake, lastCheck] = await Promise.all([this.way(), this.plannedFlakeFiles(prepared.value), this.options.lastCheck(name)]);
    const ssh = this.options.createSsh({ hostKeyMode: 'strict', confirmHostKey: async () => false, askPassphrase: async () => null });
    const controller = new AbortController();
    let remote: Map<string, RemoteState>;
    try {
      remote = await this.survey(design, ssh, controller.signal, 10_000);
    } finally {
      ssh.pool.dispose();
    }
    const settings = this.settingsOf(design);
    const plan = makeDeployPlan({
      design,
      flakeFiles: flake.files,
      ...(flake.error === undefined ? {} : { generateError: flake.error }),
      way: way.way,
      wayReason: way.reason,
      lastCheck,
      remote,
      confirmSeconds: settings.confirmSeconds,
      concurrency: settings.concurrency,
      varsHelper: settings.varsHelper,
      now: this.now(),
    });
    return ok({ plan: this.selectMachines(plan, request.machines) });
  }

  /** Deploys a saved design; progress follows as job events. */
  async start(request: { name: string; design: unknown; hostKeys: HostKeyMode; keys?: readonly string[]; machines?: readonly string[] }): Promise<Result<{ jobId: string }, AppError>> {
    const prepared = this.prepare(request);
    if (!prepared.ok) return prepared;
    const { design, name, stem } = prepared.value;
    const refused = refusalByRunningJob(this.options.jobs, 'deploy');
    if (refused !== null) return err(refused);
    const configured = await writeDeployConfiguration(this.workspace, this.options.generate, this.options.ageKeyDir, name, design);
    if (!configured.ok) return configured;
    const { folder, age } = configured.value;
    const [way, lastCheck] = await Promise.all([this.way(), this.options.lastCheck(name)]);
    const settings = this.settingsOf(design);
    const managed = recordValues(design.machines).filter((m) => m.managed);
    const runId = newRunId(this.now(), randomBytes(3).toString('hex'));
    const timeouts = { ...defaultDeployTimeouts, ...this.options.timeouts };
    const history = new DeployHistoryWriter(this.workspace, stem, runId);
    let plan: DeployPlan | null = null;
    let results: DeployMachineResult[] = [];
    let vars: DeployReport['vars'] = { status: 'notNeeded', helper: null, message: '' };
    let nextSteps: string[] = [];
    return this.options.jobs.start(deployJobKind, {
      forFile: name,
      machines: managed.map((m) => ({ machineId: m.id, name: m.name })),
      report: ({ outcome, startedAt, finishedAt }): DeployReport => ({
        kind: 'clan-designer-deploy',
        version: 1,
        runId,
        startedAt,
        finishedAt,
        outcome,
        way: way.way,
        vars,
        machines: results,
        nextSteps,
      }),
      run: async (job) => {
        const startedAt = job.now();
        let crashed = false;
        const ssh = this.options.createSsh({
          hostKeyMode: request.hostKeys,
          ...(request.keys === undefined ? {} : { keyFiles: request.keys }),
          confirmHostKey: async (prompt, signal) =>
            (await job.ask({ type: 'hostKey', machines: managed.filter((m) => m.ssh?.host === prompt.host).map((m) => m.name), host: prompt.host, port: prompt.port, keyType: prompt.keyType, fingerprint: prompt.fingerprint, otherKeyTypes: prompt.otherKeyTypes, knownHostsFile: ssh.knownHostsPath }, signal)) === true,
          askPassphrase: async (question, signal) => job.ask({ type: 'passphrase', keyPath: question.keyPath, host: question.host, attempt: question.attempt ?? 1 }, signal),
        });
        try {
          const files = await readFlakeFolder(this.workspace, folder);
          const flakeFiles = files.ok ? checksums(files.value) : null;
          const remote = await this.survey(design, ssh, job.signal, timeouts.connect);
          plan = this.selectMachines(
            makeDeployPlan({ design, flakeFiles, way: way.way, wayReason: way.reason, lastCheck, remote, confirmSeconds: settings.confirmSeconds, concurrency: settings.concurrency, varsHelper: settings.varsHelper, now: job.now() }),
            request.machines,
          );
          job.emit({ type: 'plan', plan, runId });
          const planned = await history.writePlan(plan, flakeFiles ?? {});
          if (!planned.ok) job.log(null, `The deploy's record could not be written (${describeError(planned.error)}); the deploy goes on.`);
          const outcome = await runDeploy(job, {
            design,
            plan,
            runId: runId.slice(-6),
            flakeFiles: () => readFlakeFolder(this.workspace, folder),
            storeVars: (downloaded) => writeIntoFlakeFolder(this.workspace, folder, downloaded),
            ageIdentity: async () => age.identity,
            localFlakeDir: join(this.options.workspaceDir, folder),
            pool: ssh.pool,
            targets: { ...(ssh.resolveTarget === undefined ? {} : { resolveTarget: ssh.resolveTarget }), ...(ssh.identityFor === undefined ? {} : { identityFor: ssh.identityFor }) },
            reach: computeDeployReach(design),
            timeouts,
            ...(this.options.runLocal === undefined ? {} : { runLocal: this.options.runLocal }),
            onLog: (machineId, line) => history.log(machineId, line),
          });
          results = outcome.machines;
          vars = outcome.vars;
          nextSteps = outcome.nextSteps;
        } catch (error) {
          // The job engine reports the run as failed; the history must say the same, with what is known.
          crashed = true;
          nextSteps = [...nextSteps, `The deploy stopped on an error in the app (${(error as Error).message}). Machines without a result may have been changed: check them, then deploy again.`];
          throw error;
        } finally {
          ssh.pool.dispose();
          const report: DeployReport = { kind: 'clan-designer-deploy', version: 1, runId, startedAt, finishedAt: job.now(), outcome: crashed ? 'failed' : job.signal.aborted ? 'cancelled' : 'finished', way: way.way, vars, machines: results, nextSteps };
          const counts = countByStatus(report);
          const done = `Done: ${counts.deployed} deployed, ${counts.failed} failed, ${counts.rolledBack} rolled back, ${counts.skipped} skipped, ${counts.cancelled} cancelled${counts.unknown > 0 ? `, ${counts.unknown} unknown` : ''}.`;
          job.log(null, done);
          history.log(null, done);
          const kept = await history.writeResult(report);
          if (!kept.ok) this.options.log?.('could not keep the deploy in its history', kept.error);
        }
      },
    });
  }

  /** The deploys of a design, newest first, and the running one when it is for that file. */
  async history(designFile: string): Promise<Result<{ entries: DeployHistoryEntry[]; running: { jobId: string } | null }, AppError>> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    const job = this.options.jobs.runningOf('deploy');
    const entries = await listDeployHistory(this.workspace, designStem(name.value));
    if (!entries.ok) return entries;
    return ok({ entries: entries.value, running: job !== null && job.forFile === name.value ? { jobId: job.jobId } : null });
  }

  /** One deploy of a design's history. */
  async historyEntry(designFile: string, runId: string): ReturnType<typeof readDeployHistoryEntry> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    return readDeployHistoryEntry(this.workspace, designStem(name.value), runId);
  }
}
