import { parseSurvey, privileged, surveyArgv } from '../../shared/deploy/commands';
import { appError, describeError, type AppError } from '../../shared/errors';
import type { HostKeyMode, JobKind } from '../../shared/ipc/contract';
import type { DeployReach } from '../../shared/model/reachability';
import type { Design, Machine } from '../../shared/model/types';
import { configuredOverlayAddresses, overlayAddressVarPaths, parseDiscovery, withConfiguredAddress, zerotierNetworkIdPath, type ConfiguredAddress, type DiscoveryOutputs, type DiscoveryQuery, type OverlayDiscovery, type QueryOutput } from '../../shared/verify/discovery';
import type { ConfinedFolder } from '../fs/confinedFolder';
import type { JobContext } from '../jobs/jobEngine';
import type { MachineSsh, MachineSshHooks } from '../services/checkJobs';
import type { CheckPool } from '../services/checkMachines';
import { resolveMachineTarget, type TargetOptions } from '../services/machineTargets';
import { quoteCommand } from '../ssh/quote';
import type { SshTarget } from '../ssh/sshClient';

// How the jobs that look at the overlay (verify, and "Measure my network") reach a machine of the VPN: the SSH side
// of the job with its questions for the person, logging in (the SSH target as deploy works it out, then deploy's
// read-only survey for the user id, so root commands go through `sudo -n` only when needed), running discovery's
// read-only queries with their output in the log, and the overlay addresses the generated configuration gives the
// members. One mechanism for both jobs: what verify finds out about a machine, measure finds out the same way.

/** The SSH side of a job, whose host key and passphrase questions go to the person through the job's prompts. */
export function createJobSsh<K extends JobKind>(
  createSsh: (hooks: MachineSshHooks) => MachineSsh,
  job: JobContext<K>,
  request: { hostKeys: HostKeyMode; keys?: readonly string[] | undefined },
  /** The design's machines that may be logged in to, to name them in the host key question. */
  machines: readonly Machine[],
): MachineSsh {
  const ssh = createSsh({
    hostKeyMode: request.hostKeys,
    ...(request.keys === undefined ? {} : { keyFiles: request.keys }),
    confirmHostKey: async (prompt, signal) =>
      (await job.ask({ type: 'hostKey', machines: machines.filter((m) => m.ssh?.host === prompt.host).map((m) => m.name), host: prompt.host, port: prompt.port, keyType: prompt.keyType, fingerprint: prompt.fingerprint, otherKeyTypes: prompt.otherKeyTypes, knownHostsFile: ssh.knownHostsPath }, signal)) === true,
    askPassphrase: async (question, signal) => job.ask({ type: 'passphrase', keyPath: question.keyPath, host: question.host, attempt: question.attempt ?? 1 }, signal),
  });
  return ssh;
}

/** A machine logged in to: its SSH target and the login user's id (null when the survey did not say). */
export interface LoggedIn {
  target: SshTarget;
  uid: number | null;
}

/** How logging in ended. */
export type LoginOutcome = { status: 'ok'; value: LoggedIn } | { status: 'failed'; error: AppError } | { status: 'cancelled' };

/** What logging in to one machine needs. */
export interface LoginRequest {
  machine: Machine;
  design: Design;
  reach: DeployReach | undefined;
  pool: CheckPool;
  targets: TargetOptions;
  /** The job's "machine" the step is shown on (verify: the machine; measure: the pair). */
  stepOf: string;
  step: { index: number; total: number; label: string };
  timeoutMs: number;
  log: (line: string) => void;
}

/**
 * Logs in to a machine as deploy does, as one step of the job: its SSH target (through the drawn jump host), then
 * the survey. A time limit is an unreachable host, as the SSH client says it.
 */
export async function logInToMachine<K extends JobKind>(job: JobContext<K>, request: LoginRequest): Promise<LoginOutcome> {
  const { machine, design, reach, pool, targets, timeoutMs } = request;
  const connected = await job.step(request.stepOf, { ...request.step, timeoutMs }, async (signal) => {
    const resolved = await resolveMachineTarget(machine, design, reach, targets, signal);
    if (!resolved.ok) return { ok: false as const, error: resolved.error };
    const surveyed = await pool.exec(resolved.target, surveyArgv(), { signal, timeoutMs });
    if (!surveyed.ok) return surveyed;
    if (resolved.via !== null) request.log(`Logged in to ${machine.name} through ${resolved.via}.`);
    return { ok: true as const, value: { target: resolved.target, uid: parseSurvey(surveyed.value.stdout)?.uid ?? null } };
  });
  if (connected.status === 'cancelled') return { status: 'cancelled' };
  if (connected.status === 'timedOut') return { status: 'failed', error: appError('sshHostUnreachable', { host: machine.ssh?.host ?? '', port: machine.ssh?.port ?? 22, reason: 'timeout', timeoutMs: connected.timeoutMs }) };
  if (!connected.value.ok) return { status: 'failed', error: connected.value.error };
  return { status: 'ok', value: connected.value.value };
}

/** Where a command's output goes: each line to the log, with its stream. */
export type CommandLog = (line: string, stream?: 'info' | 'stdout' | 'stderr') => void;

/** Runs one discovery query on a logged-in machine; a command that could not run is an output without an exit code. */
export async function runDiscoveryQuery(pool: CheckPool, machine: LoggedIn, query: DiscoveryQuery, signal: AbortSignal, timeoutMs: number, log: CommandLog): Promise<QueryOutput> {
  const argv = query.root ? privileged(machine.uid, query.argv) : query.argv;
  log(`$ ${quoteCommand(argv)}   (${query.purpose})`);
  const result = await pool.exec(machine.target, argv, { signal, timeoutMs, privileged: argv[0] === 'sudo' });
  if (!result.ok) {
    log(`  did not run: ${describeError(result.error)}`);
    return { stdout: '', stderr: describeError(result.error), exitCode: null };
  }
  const { stdout, stderr, code } = result.value;
  for (const line of stdout.split('\n').filter((l) => l.trim() !== '').slice(0, 200)) log(line, 'stdout');
  for (const line of stderr.split('\n').filter((l) => l.trim() !== '').slice(0, 50)) log(line, 'stderr');
  if (code !== 0) log(`  exit status ${code ?? 'none'}`);
  return { stdout, stderr, exitCode: code };
}

/** Runs discovery queries one after the other, until `signal` aborts. */
export async function runDiscoveryQueries(pool: CheckPool, machine: LoggedIn, queries: readonly DiscoveryQuery[], signal: AbortSignal, timeoutMs: number, log: CommandLog): Promise<DiscoveryOutputs> {
  const outputs: DiscoveryOutputs = {};
  for (const query of queries) {
    if (signal.aborted) break;
    outputs[query.id] = await runDiscoveryQuery(pool, machine, query, signal, timeoutMs, log);
  }
  return outputs;
}

/** What the overlay of a design looks like from its configuration: the members' configured addresses, and ZeroTier's network. */
export interface ConfiguredOverlay {
  configured: ReadonlyMap<string, ConfiguredAddress>;
  /** ZeroTier: the instance's network id (public var), to pick the network among several. */
  zerotierNetworkId: string | null;
}

/** What discovery found on a machine, with the configured address added when the VPN told none (discovery.ts). */
export function discoverOverlay(design: Design, overlay: ConfiguredOverlay, machine: string, outputs: DiscoveryOutputs): OverlayDiscovery {
  return withConfiguredAddress(parseDiscovery({ vpn: design.vpn.id!, instance: design.vpn.instance, machine, zerotierNetworkId: overlay.zerotierNetworkId }, outputs), overlay.configured.get(machine));
}

/**
 * The addresses the configuration gives the members: Nebula, Tinc and VpnCloud from the design itself, the others
 * from the public vars Clan wrote into the design's flake folder (`<stem>.clan/vars/...`), read through the
 * workspace's ConfinedFolder. A var that is missing or cannot be read is simply not known.
 */
export async function readConfiguredOverlay(workspace: ConfinedFolder, stem: string, design: Design): Promise<ConfiguredOverlay> {
  const vpn = design.vpn.id;
  if (vpn === null) return { configured: new Map(), zerotierNetworkId: null };
  const instance = design.vpn.instance;
  const paths = new Set<string>(vpn === 'zerotier' ? [zerotierNetworkIdPath(instance)] : []);
  for (const machine of Object.values(design.machines)) for (const path of overlayAddressVarPaths(vpn, instance, machine.name)) paths.add(path);
  const vars = new Map<string, string>();
  const decoder = new TextDecoder();
  for (const path of paths) {
    const read = await workspace.readFile(`${stem}.clan/${path}`, { maxBytes: 4096 });
    if (read.ok && read.value !== undefined) vars.set(path, decoder.decode(read.value.bytes));
  }
  const networkId = vars.get(zerotierNetworkIdPath(instance))?.trim() ?? '';
  return { configured: configuredOverlayAddresses(design, (path) => vars.get(path) ?? null), zerotierNetworkId: /^[0-9a-f]{16}$/.test(networkId) ? networkId : null };
}
