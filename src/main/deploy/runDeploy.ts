import { spawn } from 'node:child_process';
import { appError, describeError, type AppError } from '../../shared/errors';
import {
  buildArgv,
  clanMachinesUpdateArgv,
  currentSystemArgv,
  decryptMachineKeyArgv,
  disarmArgv,
  isStorePath,
  remoteFlakeDir,
  removeFileArgv,
  secretKeyArgv,
  setProfileArgv,
  switchArgv,
  varsGenerateArgv,
  watchdogArgv,
  type SurveyFacts,
} from '../../shared/deploy/commands';
import { machinesInRunOrder, type DeployPlan, type DeployStepId, type PlannedMachine } from '../../shared/deploy/plan';
import type { DeployMachineResult, DeployMachineStatus, DeployReport } from '../../shared/deploy/report';
import type { DeployReach } from '../../shared/model/reachability';
import type { Design, MachineId } from '../../shared/model/types';
import { ok, type Result } from '../../shared/result';
import type { JobContext } from '../jobs/jobEngine';
import type { SshTarget } from '../ssh/sshClient';
import { resolveMachineTarget, type TargetOptions } from '../services/machineTargets';
import { MachineRemote, type DeployPool } from './remote';

// Runs a deploy plan (shared/deploy/plan.ts) as a job: the vars first, then the machines wave by wave, several at
// once within a wave, each through its steps (docs/deploy.md). What it promises, and how:
// - one machine failing never stops the others, except the machines that need it (behind its jump host, or needing
//   its controller, lighthouse or relay), which are skipped with that reason;
// - cancel: machines not yet started never start; a machine before its switch stops where it is (nothing changed);
//   a switch in progress is never cut (it runs under systemd-run on the machine anyway): it finishes, is not
//   confirmed, and the watchdog takes the machine back — and the result says so;
// - the switch is confirmed over a NEW SSH connection, so a configuration that cuts off the way in is noticed, and the
//   machine's own watchdog (armed before the switch) rolls it back without the admin's connection.

/** Time limits of the steps (ms); tests make them short. */
export interface DeployTimeouts {
  connect: number;
  command: number;
  upload: number;
  build: number;
  activate: number;
  vars: number;
  /** Pause between attempts to reach a machine again after its switch. */
  retryEvery: number;
  /** After the watchdog's time, how long to wait before asking the machine what it runs. */
  rollbackGrace: number;
  /** How long to keep trying to reach a machine after its watchdog's time. */
  afterRollback: number;
}

export const defaultDeployTimeouts: DeployTimeouts = {
  connect: 30_000,
  command: 60_000,
  upload: 5 * 60_000,
  build: 60 * 60_000,
  activate: 15 * 60_000,
  vars: 60 * 60_000,
  retryEvery: 3_000,
  rollbackGrace: 10_000,
  afterRollback: 60_000,
};

/** Everything a run needs. */
export interface DeployRun {
  design: Design;
  plan: DeployPlan;
  runId: string;
  /** The flake folder's files to upload (read after the configuration was written), refreshed after the vars. */
  flakeFiles: () => Promise<Result<Record<string, Uint8Array>, AppError>>;
  /** Stores the vars and secrets the helper made into the flake folder. */
  storeVars: (files: Record<string, Uint8Array>) => Promise<Result<number, AppError>>;
  /** The app's age identity (the vars helper decrypts with it). */
  ageIdentity: () => Promise<string>;
  /** The flake folder's absolute path on this computer (for the clan CLI). */
  localFlakeDir: string;
  pool: DeployPool;
  targets: TargetOptions;
  reach: ReadonlyMap<MachineId, DeployReach>;
  timeouts: DeployTimeouts;
  /** Runs a program on this computer (the clan CLI); tests pass a stand-in. */
  runLocal?: (argv: readonly string[], options: { signal: AbortSignal; timeoutMs: number; onLine: (line: string, stream: 'stdout' | 'stderr') => void }) => Promise<{ code: number | null; error?: string }>;
  /** Called with each machine's log line, for the history. */
  onLog?: (machineId: string | null, line: string) => void;
}

/** The outcome of the run, for the report. */
export interface DeployRunResult {
  vars: DeployReport['vars'];
  machines: DeployMachineResult[];
  nextSteps: string[];
}

/** Runs a program on this computer by argv (never a shell), streaming its output line by line. */
export function runLocalProgram(argv: readonly string[], options: { signal: AbortSignal; timeoutMs: number; onLine: (line: string, stream: 'stdout' | 'stderr') => void; cwd?: string }): Promise<{ code: number | null; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal, killSignal: 'SIGTERM', timeout: options.timeoutMs });
    const split = (stream: 'stdout' | 'stderr') => {
      let pending = '';
      return (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') options.onLine(line, stream);
      };
    };
    child.stdout.on('data', split('stdout'));
    child.stderr.on('data', split('stderr'));
    child.on('error', (error) => resolve({ code: null, error: error.message }));
    child.on('close', (code) => resolve({ code }));
  });
}

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** How many machines' secret keys the vars helper decrypts at once. */
const DECRYPTS_AT_ONCE = 4;

/** A promise with its resolve function. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Why a machine that got ready does not switch after all (cancelled, or a machine it needs was not deployed). */
interface TurnRefused {
  status: 'cancelled' | 'skipped';
  message: string;
  whatToDo: string | null;
}

/** Runs `work` for each item with at most `limit` at once, in order of the list. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** Runs the plan; see the module comment. */
export async function runDeploy(job: JobContext<'deploy'>, run: DeployRun): Promise<DeployRunResult> {
  const { plan, design } = run;
  const results = new Map<string, DeployMachineResult>();
  const order = machinesInRunOrder(plan).filter((m) => m.blocked === null);
  const stepTotal = (m: PlannedMachine) => Math.max(1, m.steps.length);
  const log = (machineId: string | null, text: string, stream: 'info' | 'stdout' | 'stderr' = 'info') => {
    job.log(machineId, text, stream);
    run.onLog?.(machineId, stream === 'info' ? text : `  ${text}`);
  };
  const finish = (m: PlannedMachine, result: Omit<DeployMachineResult, 'machineId' | 'name'>): DeployMachineResult => {
    const full: DeployMachineResult = { machineId: m.machineId, name: m.name, ...result };
    results.set(m.machineId, full);
    log(m.machineId, `${m.name}: ${result.message}`);
    job.machineDone(m.machineId, full);
    return full;
  };
  const skip = (m: PlannedMachine, message: string, whatToDo: string | null, status: DeployMachineStatus = 'skipped') =>
    finish(m, { status, step: null, message, whatToDo, system: null, previousSystem: null, startedAt: null, finishedAt: job.now() });

  // Machines blocked in the plan are reported at once, so every machine of the design has a result.
  for (const m of [...machinesInRunOrder(plan), ...plan.notDeployable]) {
    if (m.blocked !== null) skip(m, `Not deployed: ${m.blocked.reason.replace(/[.\s]+$/, '')}.`, m.blocked.whatToDo);
  }

  // 1. The vars, before any machine: every machine's configuration needs them.
  let vars: DeployReport['vars'] = { status: 'notNeeded', helper: null, message: 'The design has no VPN yet, so there are no vars to make.' };
  let machineKeys = new Map<string, string>();
  if (design.vpn.id !== null && order.length > 0) {
    const made = plan.way === 'clanCli' ? await makeVarsLocally(job, run, log) : await makeVarsOnHelper(job, run, log);
    vars = made.vars;
    machineKeys = made.keys;
    job.emit({ type: 'vars', vars });
  }
  const varsFailed = vars.status === 'failed' || vars.status === 'cancelled';

  // 2. The machines, in run order (after-VPN machines first, then wave by wave). Each machine holds one of the
  // `concurrency` places from its first step to its last, and places are handed out in run order. Everything before
  // the switch (connect, survey, upload, build, secret key) changes nothing the machine runs, so a machine gets ready
  // as soon as it has a place; only its switch waits for its turn: every machine of the earlier groups finished. So
  // the order that keeps the admin's way in is kept, and a later wave builds while an earlier one switches. No
  // deadlock: a machine waiting for its turn holds a place, but every machine before it in run order got a place first.
  const files = varsFailed ? null : await run.flakeFiles();
  const groups: PlannedMachine[][] = [plan.afterVpn.filter((m) => m.blocked === null), ...plan.waves.map((w) => w.machines.filter((m) => m.blocked === null))];
  const tried = new Set(groups.flat().map((m) => m.machineId));
  const groupOf = new Map(groups.flatMap((g, i) => g.map((m) => [m.machineId, i] as const)));
  const left = groups.map((g) => g.length);
  const groupDone = groups.map(() => deferred());
  groups.forEach((g, i) => g.length === 0 && groupDone[i]!.resolve());
  /** Counts a machine that has its result as done in its group; the last one opens the next group's turn. */
  const done = (m: PlannedMachine) => {
    const i = groupOf.get(m.machineId)!;
    left[i] = left[i]! - 1;
    if (left[i] === 0) groupDone[i]!.resolve();
  };
  /**
   * A machine it needs that this run tried in an earlier group and did not deploy. Only earlier groups count: they
   * are done before its switch, so the answer does not depend on timing. A machine it needs that comes later (its jump
   * host) or in the same wave is not waited for: the deploy order puts it there on purpose.
   */
  const failedDependencyOf = (m: PlannedMachine) =>
    m.dependsOn.find((d) => {
      const status = results.get(d.machineId)?.status;
      const group = groupOf.get(d.machineId);
      return tried.has(d.machineId) && group !== undefined && group < groupOf.get(m.machineId)! && status !== undefined && status !== 'deployed';
    });
  const dependencyText = (d: PlannedMachine['dependsOn'][number]) => {
    const status = results.get(d.machineId)!.status;
    return `it needs ${d.name} (${d.why}), which ${status === 'skipped' ? 'was skipped' : status === 'rolledBack' ? 'was rolled back' : status === 'cancelled' ? 'was cancelled' : 'failed'}`;
  };
  /** Waits for a machine's turn to switch; null to go on, or why it does not switch. */
  const turnOf = async (m: PlannedMachine, built: boolean): Promise<TurnRefused | null> => {
    const unchanged = built ? 'its new system was built there, but nothing was activated; it runs what it ran' : 'nothing was changed on it';
    const group = groupOf.get(m.machineId)!;
    const earlier = Promise.all(groupDone.slice(0, group).map((d) => d.promise));
    const open = await Promise.race([earlier.then(() => true), new Promise<false>((r) => setImmediate(() => r(false)))]);
    if (!open && !job.signal.aborted) {
      log(m.machineId, `Ready to switch; waiting until the machines before it in the deploy order are done (wave by wave, so the way in stays open).`);
      await Promise.race([earlier, new Promise<void>((r) => job.signal.addEventListener('abort', () => r(), { once: true }))]);
    }
    if (job.signal.aborted) return { status: 'cancelled', message: `Cancelled before its switch: ${unchanged}.`, whatToDo: null };
    const failedDependency = failedDependencyOf(m);
    if (failedDependency !== undefined) return { status: 'skipped', message: `Skipped before its switch: ${dependencyText(failedDependency)}; ${unchanged}.`, whatToDo: `Deploy ${failedDependency.name} first, then this machine.` };
    return null;
  };
  await eachLimited(groups.flat(), plan.concurrency, async (m) => {
    try {
      if (job.signal.aborted) return void skip(m, 'Not started: the deploy was cancelled before its turn. Nothing was changed on it.', null, 'cancelled');
      if (varsFailed) {
        const cancelledVars = vars.status === 'cancelled';
        return void skip(m, `Not started: ${cancelledVars ? 'the deploy was cancelled while the vars were made' : 'the vars could not be made, and every machine needs them'}.`, cancelledVars ? null : vars.message, cancelledVars ? 'cancelled' : 'skipped');
      }
      if (files !== null && !files.ok) return void skip(m, `Not started: the configuration folder could not be read (${describeError(files.error)}).`, 'Check the designs folder, then deploy again.', 'failed');
      // Only a dependency this run tried and did not deploy stops a machine: one that was not selected or was blocked
      // keeps running what it ran, which its dependants already work with. One that already failed stops it before
      // it starts; one that fails while it gets ready stops it before its switch (turnOf).
      const failedDependency = failedDependencyOf(m);
      if (failedDependency !== undefined) return void skip(m, `Skipped: ${dependencyText(failedDependency)}.`, `Deploy ${failedDependency.name} first, then this machine.`);
      job.machineStarted(m.machineId);
      finish(m, await deployMachine(job, run, m, files!.value, machineKeys.get(m.name) ?? null, stepTotal(m), log, (built) => turnOf(m, built)));
    } finally {
      done(m);
    }
  });

  const machines = [...machinesInRunOrder(plan), ...plan.notDeployable].map((m) => results.get(m.machineId)!).filter((r) => r !== undefined);
  return { vars, machines, nextSteps: nextSteps(machines, vars) };
}

/** What to do after a run, in a few sentences. */
function nextSteps(machines: readonly DeployMachineResult[], vars: DeployReport['vars']): string[] {
  const steps: string[] = [];
  if (vars.status === 'failed') steps.push(`Fix the vars first: ${vars.message}`);
  const by = (status: DeployMachineStatus) => machines.filter((m) => m.status === status).map((m) => m.name);
  if (by('rolledBack').length > 0) steps.push(`${by('rolledBack').join(', ')} went back to the previous system on ${by('rolledBack').length === 1 ? 'its' : 'their'} own: look at what the new configuration changes about the way in (VPN, firewall, SSH), then deploy again.`);
  if (by('failed').length > 0) steps.push(`Read the log of ${by('failed').join(', ')}, fix the cause, then deploy again; the machines that worked stay as they are.`);
  if (by('unknown').length > 0) steps.push(`${by('unknown').join(', ')} could not be reached after the switch: check ${by('unknown').length === 1 ? 'it' : 'them'} at the console.`);
  if (by('cancelled').length > 0) steps.push('Deploy again to finish the machines the cancel left out.');
  if (steps.length === 0 && machines.every((m) => m.status === 'deployed')) steps.push('Every machine runs the new configuration. Verify the network next.');
  return steps;
}

/** One machine through its steps; returns its result (the caller reports it). */
async function deployMachine(
  job: JobContext<'deploy'>,
  run: DeployRun,
  m: PlannedMachine,
  files: Record<string, Uint8Array>,
  secretKey: string | null,
  total: number,
  log: (machineId: string | null, text: string, stream?: 'info' | 'stdout' | 'stderr') => void,
  /** Waits for the machine's turn to switch (see runDeploy); null to go on. `built`: its new system was built there. */
  turn: (built: boolean) => Promise<TurnRefused | null>,
): Promise<Omit<DeployMachineResult, 'machineId' | 'name'>> {
  const startedAt = job.now();
  const { design, plan, timeouts } = run;
  const machine = design.machines[m.machineId as MachineId]!;
  let index = 0;
  let previousSystem: string | null = null;
  let system: string | null = null;
  const result = (status: DeployMachineStatus, step: DeployStepId | null, message: string, whatToDo: string | null) => ({ status, step, message, whatToDo, system, previousSystem, startedAt, finishedAt: job.now() });
  const cancelled = (step: DeployStepId) => result('cancelled', step, `Cancelled at "${labelOf(m, step)}". Nothing was changed on it: its switch had not started.`, null);
  /** One step before the switch: its own time limit, aborted by cancel. */
  async function step<T>(id: DeployStepId, timeoutMs: number, work: (signal: AbortSignal) => Promise<Result<T, AppError>>): Promise<Result<T, AppError> | 'cancelled' | 'timedOut'> {
    index += 1;
    const outcome = await job.step(m.machineId, { index: Math.min(index, total), total, label: labelOf(m, id), timeoutMs }, work);
    if (outcome.status === 'cancelled') return 'cancelled';
    if (outcome.status === 'timedOut') return 'timedOut';
    return outcome.value;
  }
  const failedAt = (id: DeployStepId, error: AppError | 'timedOut', timeoutMs: number) =>
    result(
      'failed',
      id,
      error === 'timedOut' ? `"${labelOf(m, id)}" did not finish within ${Math.round(timeoutMs / 1000)} seconds and was stopped. ${id === 'build' || id === 'upload' ? 'Nothing was activated.' : ''}`.trim() : `"${labelOf(m, id)}" failed: ${describeError(error)}`,
      id === 'build' ? 'Read the build log above: a Nix error names the option or file to fix. The machine still runs its previous system.' : 'Fix the cause named above, then deploy again; the machine still runs its previous system.',
    );

  // connect
  const targeted = await step('connect', timeouts.connect, async (signal) => {
    const resolved = await resolveMachineTarget(machine, design, run.reach.get(machine.id), run.targets, signal);
    if (!resolved.ok) return { ok: false as const, error: resolved.error };
    const connected = await run.pool.exec(resolved.target, ['true'], { timeoutMs: timeouts.connect, signal });
    if (!connected.ok) return connected;
    if (resolved.via !== null) log(m.machineId, `Connected to ${m.name} through ${resolved.via}.`);
    return ok(resolved.target);
  });
  if (targeted === 'cancelled') return cancelled('connect');
  if (targeted === 'timedOut' || !targeted.ok) return failedAt('connect', targeted === 'timedOut' ? 'timedOut' : targeted.error, timeouts.connect);
  const target: SshTarget = targeted.value;
  const remote = new MachineRemote(run.pool, target);

  // survey
  const surveyed = await step('survey', timeouts.command, (signal) => remote.survey({ signal, timeoutMs: timeouts.command }));
  if (surveyed === 'cancelled') return cancelled('survey');
  if (surveyed === 'timedOut' || !surveyed.ok) return failedAt('survey', surveyed === 'timedOut' ? 'timedOut' : surveyed.error, timeouts.command);
  const facts: SurveyFacts = surveyed.value;
  previousSystem = facts.currentSystem ?? facts.profileSystem;

  if (plan.way === 'clanCli') {
    // Clan's update builds and switches in one command, so with the clan CLI the whole update waits for the turn.
    const refused = await turn(false);
    if (refused !== null) return result(refused.status, null, refused.message, refused.whatToDo);
    return deployWithClan(job, run, m, remote, facts, step, result, failedAt, cancelled, log);
  }

  // upload
  const flakeDir = remoteFlakeDir(facts.home, design.meta.clanName);
  const uploaded = await step('upload', timeouts.upload, async (signal) => {
    const previous = await remote.readDeployed(flakeDir, signal);
    if (!previous.ok) return previous;
    let lastShown = 0;
    const done = await remote.uploadFlake(flakeDir, files, previous.value, {
      signal,
      stepTimeoutMs: timeouts.command,
      onProgress: (p) => {
        if (p.filesDone === p.filesTotal || p.filesDone - lastShown >= 25) {
          lastShown = p.filesDone;
          log(m.machineId, `Uploaded ${p.filesDone} of ${p.filesTotal} changed files (${Math.round(p.bytesDone / 1024)} KB).`);
        }
      },
    });
    if (done.ok) {
      const { files: total, unchanged } = done.value;
      log(
        m.machineId,
        unchanged === total
          ? 'The machine has every file of the configuration already (checksums match); nothing to send.'
          : unchanged === 0
            ? `All ${total} files sent and verified.`
            : `${total - unchanged} of ${total} files sent and verified; ${unchanged} were there already with the same checksum.`,
      );
    }
    return done;
  });
  if (uploaded === 'cancelled') return cancelled('upload');
  if (uploaded !== 'timedOut' && !uploaded.ok && uploaded.error.code === 'uploadFailed') {
    // SFTP says only "Failure" when the disk is full: ask the machine how much room there is.
    const full = await diskFullError(remote, [flakeDir, facts.home], Object.values(files).reduce((sum, f) => sum + f.length, 0));
    if (full !== null) return result('failed', 'upload', describeError(full), 'Free space on the machine (for example with "nix-collect-garbage -d", or by removing old files), then deploy again.');
  }
  if (uploaded === 'timedOut' || !uploaded.ok) return failedAt('upload', uploaded === 'timedOut' ? 'timedOut' : uploaded.error, timeouts.upload);

  // build
  const built = await step('build', timeouts.build, (signal) => remote.run(buildArgv(facts.uid, flakeDir, m.name), { signal, timeoutMs: timeouts.build, log: (line, stream) => log(m.machineId, line, stream), what: 'the build' }));
  if (built === 'cancelled') return cancelled('build');
  if (built === 'timedOut' || !built.ok) return failedAt('build', built === 'timedOut' ? 'timedOut' : built.error, timeouts.build);
  const printed = built.value.stdout.trim().split('\n').at(-1)?.trim() ?? '';
  if (!isStorePath(printed)) return result('failed', 'build', `The build ended without naming the system it built (it printed "${printed.slice(0, 200)}"). Nothing was activated.`, 'Run the build command of the plan on the machine to see why.');
  system = printed;

  // secrets
  if (secretKey !== null) {
    const placed = await step('secrets', timeouts.command, (signal) => remote.run(secretKeyArgv(facts.uid), { signal, timeoutMs: timeouts.command, input: `${secretKey.trim()}\n`, what: "putting the machine's secret key in place" }));
    if (placed === 'cancelled') return cancelled('secrets');
    if (placed === 'timedOut' || !placed.ok) return failedAt('secrets', placed === 'timedOut' ? 'timedOut' : placed.error, timeouts.command);
  }

  const refused = await turn(true);
  if (refused !== null) return result(refused.status, null, refused.message, refused.whatToDo);
  return switchAndConfirm(job, run, m, remote, facts, () => system, previousSystem, step, result, failedAt, cancelled, log, async (signal) => {
    // The switch itself: profile, boot, switch. systemd-run keeps it going on the machine if the connection drops.
    const commands = [setProfileArgv(facts.uid, system!), switchArgv(facts.uid, run.runId, system!, 'boot'), switchArgv(facts.uid, run.runId, system!, 'switch')];
    for (const argv of commands) {
      const done = await remote.run(argv, { signal, timeoutMs: timeouts.activate, log: (line, stream) => log(m.machineId, line, stream), what: 'the switch' });
      if (!done.ok) return done;
    }
    return ok(undefined);
  });
}

/** A full disk, when `df` on the first of `paths` that exists shows less room than `needed` bytes; else null. */
async function diskFullError(remote: MachineRemote, paths: readonly string[], needed: number): Promise<AppError | null> {
  for (const path of paths) {
    const df = await remote.run(['df', '-Pk', '--', path], { timeoutMs: 10_000, what: 'df' });
    if (!df.ok) continue;
    const line = df.value.stdout.trim().split('\n').at(-1) ?? '';
    const free = Number(line.split(/\s+/)[3]);
    if (!Number.isFinite(free)) return null;
    const neededKb = Math.ceil(needed / 1024);
    return free < neededKb + 16 ? appError('deployDiskFull', { host: remote.target.host, port: remote.target.port ?? 22, path, freeKb: free, neededKb }) : null;
  }
  return null;
}

type StepRunner = <T>(id: DeployStepId, timeoutMs: number, work: (signal: AbortSignal) => Promise<Result<T, AppError>>) => Promise<Result<T, AppError> | 'cancelled' | 'timedOut'>;
type ResultOf = (status: DeployMachineStatus, step: DeployStepId | null, message: string, whatToDo: string | null) => Omit<DeployMachineResult, 'machineId' | 'name'>;
type FailedAt = (id: DeployStepId, error: AppError | 'timedOut', timeoutMs: number) => Omit<DeployMachineResult, 'machineId' | 'name'>;
type Cancelled = (step: DeployStepId) => Omit<DeployMachineResult, 'machineId' | 'name'>;
type Logger = (machineId: string | null, text: string, stream?: 'info' | 'stdout' | 'stderr') => void;

function labelOf(m: PlannedMachine, id: DeployStepId): string {
  return m.steps.find((s) => s.id === id)?.label ?? id;
}

/**
 * Arms the watchdog (when there is a system to go back to), switches (never cut by cancel), then confirms over a new
 * connection and disarms. When the app cannot confirm, it waits for the watchdog's time and asks the machine what it
 * runs: the previous system means the machine rolled itself back.
 */
async function switchAndConfirm(
  job: JobContext<'deploy'>,
  run: DeployRun,
  m: PlannedMachine,
  remote: MachineRemote,
  facts: SurveyFacts,
  systemOf: () => string | null,
  previousSystem: string | null,
  step: StepRunner,
  result: ResultOf,
  failedAt: FailedAt,
  cancelled: Cancelled,
  log: Logger,
  activate: (signal: AbortSignal) => Promise<Result<unknown, AppError>>,
  activateStep: 'activate' | 'clanUpdate' = 'activate',
): Promise<Omit<DeployMachineResult, 'machineId' | 'name'>> {
  const { timeouts, plan } = run;
  const seconds = plan.confirmSeconds;
  let armedAt: number | null = null;
  if (previousSystem !== null) {
    const armed = await step('watchdog', timeouts.command, (signal) => remote.run(watchdogArgv(facts.uid, run.runId, seconds, previousSystem), { signal, timeoutMs: timeouts.command, what: 'arming the watchdog' }));
    if (armed === 'cancelled') return cancelled('watchdog');
    if (armed === 'timedOut' || !armed.ok) return failedAt('watchdog', armed === 'timedOut' ? 'timedOut' : armed.error, timeouts.command);
    armedAt = job.now();
    log(m.machineId, `Watchdog armed: unless the app confirms within ${seconds} seconds, ${m.name} switches back to ${previousSystem}.`);
  } else {
    log(m.machineId, `First deploy of ${m.name}: there is no previous system, so no watchdog.`);
  }

  // Cancelled between arming and switching: nothing changed yet, so the watchdog is disarmed and the machine left as
  // it was.
  if (job.signal.aborted) {
    if (armedAt !== null) await remote.run(disarmArgv(facts.uid, run.runId), { timeoutMs: timeouts.command, what: 'disarming the watchdog' });
    return cancelled(activateStep);
  }
  // The switch runs to its end even when the deploy is cancelled meanwhile: cutting it would leave the machine
  // half-switched. Only its own time limit stops waiting for it (systemd-run carries on on the machine).
  await step(activateStep, timeouts.activate + 5_000, async () => ok(undefined));
  const activation = new AbortController();
  const limit = setTimeout(() => activation.abort(), timeouts.activate);
  let activated: Result<unknown, AppError>;
  try {
    activated = await activate(activation.signal);
  } finally {
    clearTimeout(limit);
  }
  const system = systemOf();
  const cancelledDuring = job.signal.aborted;
  const lostConnection = !activated.ok && (activated.error.code === 'sshConnectionLost' || activated.error.code === 'sshHostUnreachable' || activation.signal.aborted);
  if (!activated.ok && !lostConnection) {
    log(m.machineId, `The switch failed: ${describeError(activated.error)}`);
    if (armedAt === null) return result('failed', activateStep, `The switch failed: ${describeError(activated.error)} This was its first deploy, so there is no previous system to go back to.`, 'Fix the cause named in the log, then deploy again; the console of the machine shows what it runs now.');
    // Not confirmed: the watchdog switches back; say so once it did.
    return awaitRollback(job, run, m, remote, armedAt, previousSystem!, system, result, log, `the switch failed (${describeError(activated.error)})`);
  }
  if (lostConnection) log(m.machineId, 'The connection dropped during the switch; it goes on on the machine. Trying a new connection…');

  if (cancelledDuring) {
    if (armedAt === null) return result('cancelled', activateStep, 'The deploy was cancelled during the switch of this first deploy; the switch finished on the machine and was not checked.', 'Deploy again to check it.');
    return awaitRollback(job, run, m, remote, armedAt, previousSystem!, system, result, log, 'the deploy was cancelled during the switch, so the app did not confirm it', 'cancelled');
  }

  // Confirm over a NEW connection, until the watchdog's time (minus a margin, so the disarm lands before it fires)
  // runs out.
  const deadline = armedAt === null ? job.now() + Math.max(seconds * 1000, 30_000) : armedAt + seconds * 1000 - Math.min(5_000, seconds * 250);
  let lastError: AppError | null = null;
  const confirmed = await step('confirm', Math.max(1_000, deadline - job.now()) + 5_000, async (signal) => {
    while (job.now() < deadline && !signal.aborted) {
      run.pool.close(remote.target);
      const current = await remote.run(currentSystemArgv(), { signal, timeoutMs: Math.min(timeouts.connect, Math.max(1_000, deadline - job.now())), what: 'reading the running system' });
      if (current.ok) {
        const running = current.value.stdout.trim();
        if (running !== system) return { ok: false as const, error: appError('deployNotSwitched', { host: remote.target.host, expected: system, running }) };
        if (armedAt === null) return ok(undefined);
        const disarmed = await remote.run(disarmArgv(facts.uid, run.runId), { signal, timeoutMs: timeouts.command, what: 'disarming the watchdog' });
        if (disarmed.ok) return ok(undefined);
        lastError = disarmed.error;
      } else {
        lastError = current.error;
      }
      await wait(timeouts.retryEvery, signal);
    }
    return { ok: false as const, error: lastError ?? appError('sshHostUnreachable', { host: remote.target.host, port: remote.target.port ?? 22, reason: 'timeout', timeoutMs: seconds * 1000 }) };
  });
  if (confirmed !== 'cancelled' && confirmed !== 'timedOut' && confirmed.ok) {
    log(m.machineId, armedAt === null ? `${m.name} runs ${system}.` : `${m.name} runs ${system}; watchdog disarmed.`);
    return result('deployed', null, armedAt === null ? `Deployed (first deploy): it runs the new system, confirmed over a new SSH connection.` : `Deployed: it runs the new system, confirmed over a new SSH connection; the watchdog is disarmed.`, null);
  }
  if (confirmed !== 'cancelled' && confirmed !== 'timedOut' && !confirmed.ok && confirmed.error.code === 'deployNotSwitched') {
    if (armedAt === null) return result('failed', 'confirm', `After the switch it still runs ${String(confirmed.error.details?.running ?? 'another system')}, not the new one.`, 'Look at the switch log above.');
    return awaitRollback(job, run, m, remote, armedAt, previousSystem!, system, result, log, 'after the switch it did not run the new system');
  }
  if (armedAt === null) {
    return result('unknown', 'confirm', `After the switch the app could not reach it over a new SSH connection (${lastError === null ? 'no answer' : describeError(lastError)}). This was its first deploy, so there was no watchdog to take it back.`, 'Check the machine at its console: the new configuration may have cut off SSH or the network.');
  }
  const why = confirmed === 'cancelled' ? 'the deploy was cancelled before the switch was confirmed' : `the app could not confirm the switch over a new SSH connection within ${seconds} seconds (${lastError === null ? 'no answer' : describeError(lastError)})`;
  return awaitRollback(job, run, m, remote, armedAt, previousSystem!, system, result, log, why, confirmed === 'cancelled' ? 'cancelled' : 'rolledBack');
}

/** Waits for the watchdog's time, then asks the machine what it runs, and reports. */
async function awaitRollback(
  job: JobContext<'deploy'>,
  run: DeployRun,
  m: PlannedMachine,
  remote: MachineRemote,
  armedAt: number,
  previousSystem: string,
  system: string | null,
  result: ResultOf,
  log: Logger,
  why: string,
  status: 'rolledBack' | 'cancelled' = 'rolledBack',
): Promise<Omit<DeployMachineResult, 'machineId' | 'name'>> {
  const { timeouts, plan } = run;
  const fireAt = armedAt + plan.confirmSeconds * 1000 + timeouts.rollbackGrace;
  log(m.machineId, `Not confirmed: ${why}. The watchdog switches ${m.name} back at about ${new Date(armedAt + plan.confirmSeconds * 1000).toISOString().slice(11, 19)} UTC; waiting to check.`);
  // This wait is not cut by cancel: the app must say what state the machine is left in.
  await wait(Math.max(0, fireAt - job.now()));
  const until = job.now() + timeouts.afterRollback;
  let running: string | null = null;
  let lastError: AppError | null = null;
  while (job.now() < until) {
    run.pool.close(remote.target);
    const current = await remote.run(currentSystemArgv(), { timeoutMs: Math.min(timeouts.connect, Math.max(1_000, until - job.now())), what: 'reading the running system' });
    if (current.ok) {
      running = current.value.stdout.trim();
      break;
    }
    lastError = current.error;
    await wait(timeouts.retryEvery);
  }
  if (running === previousSystem) {
    const message = `Rolled back: ${why}, so its watchdog switched it back to the previous system, which it runs again.`;
    return status === 'cancelled'
      ? result('cancelled', 'confirm', `Cancelled after the switch: ${why}; its watchdog switched it back to the previous system, which it runs again.`, null)
      : result('rolledBack', 'confirm', message, 'The new configuration probably cut off the way in (the VPN, the firewall or SSH). Look at what it changes, then deploy again.');
  }
  if (running === system) return result('unknown', 'confirm', `${why}, yet it still runs the new system after the watchdog's time: the watchdog did not roll it back.`, 'Check the machine: run "systemctl list-timers" there and look for cnd-rollback.');
  return result('unknown', 'confirm', `${why}, and after the watchdog's time the app ${running === null ? `still could not reach it (${lastError === null ? 'no answer' : describeError(lastError)})` : `found it running ${running}`}.`, 'Check the machine at its console: it should run its previous system again.');
}

/** The way with the clan CLI here: the watchdog and the confirmation over SSH as above, the update by Clan. */
async function deployWithClan(
  job: JobContext<'deploy'>,
  run: DeployRun,
  m: PlannedMachine,
  remote: MachineRemote,
  facts: SurveyFacts,
  step: StepRunner,
  result: ResultOf,
  failedAt: FailedAt,
  cancelled: Cancelled,
  log: Logger,
): Promise<Omit<DeployMachineResult, 'machineId' | 'name'>> {
  const runLocal = run.runLocal ?? runLocalProgram;
  const previous = facts.currentSystem ?? facts.profileSystem;
  let newSystem: string | null = null;
  const outcome = await switchAndConfirm(job, run, m, remote, facts, () => newSystem, previous, step, result, failedAt, cancelled, log, async (signal) => {
    const done = await runLocal(clanMachinesUpdateArgv(run.localFlakeDir, m.name), { signal, timeoutMs: run.timeouts.build, onLine: (line, stream) => log(m.machineId, line, stream) });
    if (done.code !== 0) return { ok: false as const, error: appError('deployCommandFailed', { host: m.name, program: 'clan', what: 'clan machines update', code: done.code, output: done.error ?? '' }) };
    // Clan switched: what the machine runs now is the new system to confirm.
    const current = await remote.run(currentSystemArgv(), { signal, timeoutMs: run.timeouts.command, what: 'reading the running system' });
    if (current.ok) newSystem = current.value.stdout.trim();
    return ok(undefined);
  }, 'clanUpdate');
  return newSystem === null ? outcome : { ...outcome, system: outcome.system ?? newSystem };
}

/** With the clan CLI here: `clan vars generate` in the flake folder. */
async function makeVarsLocally(job: JobContext<'deploy'>, run: DeployRun, log: Logger): Promise<{ vars: DeployReport['vars']; keys: Map<string, string> }> {
  const runLocal = run.runLocal ?? runLocalProgram;
  log(null, 'Making the vars with the clan CLI on this computer…');
  const done = await runLocal(['clan', 'vars', 'generate', '--flake', run.localFlakeDir], { signal: job.signal, timeoutMs: run.timeouts.vars, onLine: (line, stream) => log(null, line, stream) });
  if (job.signal.aborted) return { vars: { status: 'cancelled', helper: null, message: 'Cancelled while the vars were made.' }, keys: new Map() };
  if (done.code !== 0) return { vars: { status: 'failed', helper: null, message: `clan vars generate failed (${done.error ?? `exit status ${String(done.code)}`}); its output is in the log.` }, keys: new Map() };
  return { vars: { status: 'made', helper: null, message: 'The clan CLI made the vars on this computer.' }, keys: new Map() };
}

/**
 * Without Nix here: the vars helper makes the vars with the app's age key, they come back into the flake folder, and
 * each machine's secret key is decrypted there for the `secrets` step. The key file is removed from the helper.
 */
async function makeVarsOnHelper(job: JobContext<'deploy'>, run: DeployRun, log: Logger): Promise<{ vars: DeployReport['vars']; keys: Map<string, string> }> {
  const { plan, design, timeouts } = run;
  const helper = plan.varsHelper;
  if (helper === null) return { vars: { status: 'failed', helper: null, message: plan.varsNote ?? 'No machine can make the vars.' }, keys: new Map() };
  const failed = (message: string) => ({ vars: { status: 'failed' as const, helper: helper.name, message }, keys: new Map<string, string>() });
  const machine = design.machines[helper.machineId as MachineId]!;
  log(null, `Making the vars on ${helper.name}…`);
  const resolved = await resolveMachineTarget(machine, design, run.reach.get(machine.id), run.targets, job.signal);
  if (!resolved.ok) return failed(`${helper.name} could not be reached: ${describeError(resolved.error)}`);
  const remote = new MachineRemote(run.pool, resolved.target);
  const surveyed = await remote.survey({ signal: job.signal, timeoutMs: timeouts.connect });
  if (!surveyed.ok) return job.signal.aborted ? { vars: { status: 'cancelled', helper: helper.name, message: 'Cancelled while the vars were made.' }, keys: new Map() } : failed(`${helper.name} could not be reached: ${describeError(surveyed.error)}`);
  const files = await run.flakeFiles();
  if (!files.ok) return failed(`The configuration folder could not be read: ${describeError(files.error)}`);
  const dir = remoteFlakeDir(surveyed.value.home, design.meta.clanName);
  const previous = await remote.readDeployed(dir, job.signal);
  const uploaded = await remote.uploadFlake(dir, files.value, previous.ok ? previous.value : null, { signal: job.signal, stepTimeoutMs: timeouts.command });
  if (!uploaded.ok) return failed(`Uploading the configuration to ${helper.name} failed: ${describeError(uploaded.error)}`);
  const keyDir = `${surveyed.value.home}/.local/share/clan-network-designer/keys`;
  const keyFile = await remote.writePrivate(keyDir, `${run.runId}.txt`, `${await run.ageIdentity()}\n`, job.signal);
  if (!keyFile.ok) return failed(`Putting the app's age key on ${helper.name} failed: ${describeError(keyFile.error)}`);
  const cleanUp = () => remote.run(removeFileArgv(keyFile.value), { timeoutMs: timeouts.command, what: 'removing the age key' });
  try {
    const generated = await remote.run(varsGenerateArgv(keyFile.value, dir), { signal: job.signal, timeoutMs: timeouts.vars, log: (line, stream) => log(null, line, stream), what: 'clan vars generate' });
    if (job.signal.aborted) return { vars: { status: 'cancelled', helper: helper.name, message: 'Cancelled while the vars were made.' }, keys: new Map() };
    if (!generated.ok) return failed(`clan vars generate failed on ${helper.name}: ${describeError(generated.error)}`);
    const downloaded = await remote.downloadTrees(dir, ['vars', 'sops'], job.signal);
    if (!downloaded.ok) return failed(`Downloading the vars from ${helper.name} failed: ${describeError(downloaded.error)}`);
    const stored = await run.storeVars(downloaded.value);
    if (!stored.ok) return failed(`Storing the vars in the design's flake folder failed: ${describeError(stored.error)}`);
    log(null, `${stored.value} files of vars and secrets are now in the design's flake folder.`);
    // The machines' keys, a few at once over the one connection (OpenSSH allows 10 sessions per connection).
    const keys = new Map<string, string>();
    let firstFailure: string | null = null;
    await eachLimited(machinesInRunOrder(plan).filter((x) => x.blocked === null), DECRYPTS_AT_ONCE, async (m) => {
      if (firstFailure !== null) return;
      const decrypted = await remote.run(decryptMachineKeyArgv(keyFile.value, dir, m.name), { signal: job.signal, timeoutMs: timeouts.command, what: `decrypting the key of ${m.name}` });
      if (decrypted.ok) keys.set(m.name, decrypted.value.stdout);
      else firstFailure ??= `The secret key of ${m.name} could not be decrypted on ${helper.name}: ${describeError(decrypted.error)}`;
    });
    if (job.signal.aborted) return { vars: { status: 'cancelled', helper: helper.name, message: 'Cancelled while the vars were made.' }, keys: new Map() };
    if (firstFailure !== null) return failed(firstFailure);
    return { vars: { status: 'made', helper: helper.name, message: `${helper.name} made the vars; each machine gets its secret key.` }, keys };
  } finally {
    const removed = await cleanUp();
    if (!removed.ok) log(null, `The app's age key could not be removed from ${helper.name} (${describeError(removed.error)}); remove ${keyFile.value} there.`);
  }
}
