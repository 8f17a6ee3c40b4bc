import type { BenchDataset } from '../../shared/bench/schema';
import { describeError, type AppError } from '../../shared/errors';
import {
  describeIperfProblem,
  describePingProblem,
  isIperfServerListening,
  pairCommands,
  parseIperfClientOutput,
  parseIperfServerOutput,
  parsePingCommandOutput,
  toLinkMeasurement,
  type IperfResult,
  type MeasureCommand,
  type MeasurePingResult,
  type PairCommands,
} from '../../shared/measure/commands';
import { compareMeasurement } from '../../shared/measure/compare';
import { describeMeasureError } from '../../shared/measure/errors';
import type { MeasurePair } from '../../shared/measure/pairs';
import type { MeasuredPair } from '../../shared/measure/report';
import type { DeployReach } from '../../shared/model/reachability';
import type { Design, MachineId } from '../../shared/model/types';
import { quote } from '../../shared/text';
import { discoveryQueries, probeAddress } from '../../shared/verify/discovery';
import type { JobContext } from '../jobs/jobEngine';
import type { CheckPool } from '../services/checkMachines';
import type { TargetOptions } from '../services/machineTargets';
import { quoteCommand } from '../ssh/quote';
import { discoverOverlay, logInToMachine, runDiscoveryQueries, type ConfiguredOverlay, type LoggedIn } from '../verify/overlayAccess';

// Runs "Measure my network" (issue 15) as a job: for each pair, ONE AFTER THE OTHER (two measurements at once would
// share links and slow each other down), log in to both machines (verify's way: overlayAccess.ts), find the overlay
// address of the target (a recent verify's, else the machine's VPN asked as verify asks it, else the configured
// one), start the one-off iperf3 server on the target bound to that address, wait for its "listening" line, run
// the client on the source (both directions at once, JSON), stop the server if the client failed, then ping. The
// figures go next to the benchmark's (shared/measure/compare.ts). Every command is an argv from
// shared/measure/commands.ts, bounded by its own `timeout` and by a step time limit here; cancel kills what runs.
// What runs where is listed in docs/measure.md.

/** Time limits (ms); tests make them short. */
export interface MeasureTimeouts {
  /** Log in and the survey, per machine. */
  connect: number;
  /** Each discovery query. */
  command: number;
  /** From starting the one-off server until it says it listens. */
  serverStart: number;
  /** Added to each command's own limit (its `timeout`) for the SSH round trip; a command past that is stopped. */
  slack: number;
}

export const defaultMeasureTimeouts: MeasureTimeouts = { connect: 30_000, command: 20_000, serverStart: 15_000, slack: 5_000 };

/** What a run needs besides the job. */
export interface MeasureRun {
  design: Design;
  /** Validated pairs (validatePairs), measured in this order. */
  pairs: readonly MeasurePair[];
  pool: CheckPool;
  targets: TargetOptions;
  reach: ReadonlyMap<MachineId, DeployReach>;
  /** The configured overlay addresses (readConfiguredOverlay). */
  overlay: ConfiguredOverlay;
  /** Overlay addresses a recent verify reached each machine at, by machine id (empty when there is none). */
  verified: ReadonlyMap<string, string>;
  dataset: BenchDataset;
  port: number;
  seconds: number;
  pings: { count: number; intervalSeconds: number };
  timeouts: MeasureTimeouts;
  /** Every log line, for the run's kept log. */
  onLog?: (pair: string | null, line: string) => void;
}

/** The job's "machine" of a pair. */
export function pairIdOf(pair: MeasurePair): string {
  return `${pair.from}>${pair.to}`;
}

/** A pair as people read it. */
export function pairNameOf(design: Design, pair: MeasurePair): string {
  return `${design.machines[pair.from]?.name ?? pair.from} → ${design.machines[pair.to]?.name ?? pair.to}`;
}

const STEPS = 4;

/** A machine as the run logged in to it (once for the whole run), or why it could not. */
type Login = { ok: true; value: LoggedIn } | { ok: false; error: AppError } | { ok: false; cancelled: true };

/** The target's address as found (once per machine for the whole run). */
interface FoundAddress {
  address: string | null;
  source: MeasuredPair['addressSource'];
  /** Why there is none, or what is odd about it. */
  problem: string | null;
}

/** Runs a measurement; see the module comment. Never throws for a machine's sake: each failure is that pair's result. */
export async function runMeasure(job: JobContext<'measure'>, run: MeasureRun): Promise<MeasuredPair[]> {
  const { design, pool, timeouts } = run;
  const name = (id: MachineId) => design.machines[id]?.name ?? id;
  const log = (pairId: string | null, text: string, stream: 'info' | 'stdout' | 'stderr' = 'info') => {
    job.log(pairId, text, stream);
    run.onLog?.(pairId, stream === 'info' ? text : `${stream}: ${text}`);
  };
  const logins = new Map<MachineId, Login>();
  const addresses = new Map<MachineId, FoundAddress>();
  const results: MeasuredPair[] = [];
  const vpn = design.vpn.id;
  const queries = vpn === null ? null : discoveryQueries(vpn, design.vpn.instance);

  const blank = (pair: MeasurePair): MeasuredPair => ({ pairId: pairIdOf(pair), from: pair.from, to: pair.to, fromName: name(pair.from), toName: name(pair.to), address: null, addressSource: null, link: null, comparison: null, problems: [], message: '' });
  const finish = (result: MeasuredPair) => {
    results.push(result);
    job.machineDone(result.pairId, result);
  };
  const notMeasured = (pair: MeasurePair, why: string) => finish({ ...blank(pair), message: why });

  /** Logs in to a machine once for the whole run, as a step of the pair that first needs it. */
  const logIn = async (pairId: string, id: MachineId): Promise<Login> => {
    const known = logins.get(id);
    if (known !== undefined) return known;
    const machine = design.machines[id]!;
    const outcome = await logInToMachine(job, { machine, design, reach: run.reach.get(id), pool, targets: run.targets, stepOf: pairId, step: { index: 1, total: STEPS, label: `Log in to ${machine.name}` }, timeoutMs: timeouts.connect, log: (line) => log(pairId, line) });
    const login: Login = outcome.status === 'ok' ? { ok: true, value: outcome.value } : outcome.status === 'failed' ? { ok: false, error: outcome.error } : { ok: false, cancelled: true };
    // A cancelled login is not remembered: nothing after it runs anyway.
    if (outcome.status !== 'cancelled') logins.set(id, login);
    if (outcome.status === 'failed') log(pairId, `Could not log in to ${quote(machine.name)}: ${describeError(outcome.error)}`);
    return login;
  };

  /** The target's overlay address: a recent verify's, else discovery's (which adds the configured one). */
  const findAddress = async (pairId: string, id: MachineId, machine: LoggedIn): Promise<FoundAddress | 'cancelled'> => {
    const known = addresses.get(id);
    if (known !== undefined) return known;
    const machineName = name(id);
    const verified = run.verified.get(id);
    let found: FoundAddress;
    if (verified !== undefined) {
      log(pairId, `${quote(machineName)} answered at ${verified} in the last verify, so that address is measured.`);
      found = { address: verified, source: 'verify', problem: null };
    } else {
      const before = queries !== null && queries.ok ? queries.value.filter((q) => q.phase === 'before') : [];
      const read = await job.step(pairId, { index: 2, total: STEPS, label: `Find the overlay address of ${machineName}`, timeoutMs: timeouts.command * (before.length + 1) }, (signal) =>
        runDiscoveryQueries(pool, machine, before, signal, timeouts.command, (line, stream) => log(pairId, line, stream)),
      );
      if (read.status === 'cancelled') return 'cancelled';
      if (read.status === 'timedOut') log(pairId, `Asking the VPN on ${quote(machineName)} did not finish within ${Math.round(read.timeoutMs / 1000)} seconds and was stopped.`);
      const discovery = discoverOverlay(design, run.overlay, machineName, read.status === 'done' ? read.value : {});
      log(pairId, discovery.message);
      for (const note of discovery.notes) log(pairId, note);
      const address = probeAddress(discovery, run.overlay.configured.get(machineName));
      const down = discovery.state === 'notRunning' || discovery.state === 'notConfigured';
      found =
        address === null
          ? { address: null, source: null, problem: `${discovery.message} So ${quote(machineName)} has no overlay address to measure to.` }
          : { address, source: discovery.source === 'configuration' ? 'configuration' : 'discovery', problem: down ? discovery.message : null };
    }
    addresses.set(id, found);
    return found;
  };

  /** A command's output in the log, its first lines (the JSON of iperf3's client is kept in its result, not here). */
  const logOutput = (pairId: string, text: string, stream: 'stdout' | 'stderr') => {
    for (const line of text.split('\n').filter((l) => l.trim() !== '').slice(0, 20)) log(pairId, line, stream);
  };

  /** Runs one command of the measurement on a machine, its output in the log. */
  const exec = (pairId: string, machine: LoggedIn, command: MeasureCommand, signal: AbortSignal, onStdout?: (text: string) => void) => {
    log(pairId, `$ ${quoteCommand(command.argv)}`);
    return pool.exec(machine.target, command.argv, { signal, timeoutMs: command.limitSeconds * 1000 + timeouts.slack, ...(onStdout === undefined ? {} : { onStdout }) });
  };

  /** The throughput test: the one-off server on `to`, the client on `from` once the server listens. */
  const throughput = async (pair: MeasurePair, address: string, from: LoggedIn, to: LoggedIn, commands: PairCommands, signal: AbortSignal): Promise<{ iperf: IperfResult; side: 'client' | 'server' }> => {
    const pairId = pairIdOf(pair);
    const stopServer = new AbortController();
    let serverOut = '';
    let markListening: () => void = () => undefined;
    const listening = new Promise<'listening'>((resolve) => (markListening = () => resolve('listening')));
    const serverRun = exec(pairId, to, commands.server, AbortSignal.any([signal, stopServer.signal]), (text) => {
      serverOut += text;
      if (isIperfServerListening(serverOut)) markListening();
    });
    const first = await within(Promise.race([listening, serverRun.then(() => 'ended' as const)]), timeouts.serverStart, 'slow' as const);
    const serverResult = async () => {
      const ended = await serverRun;
      if (!ended.ok) return { listening: isIperfServerListening(serverOut), accepted: false, problem: 'noResult' as const, detail: describeError(ended.error) };
      logOutput(pairId, ended.value.stderr, 'stderr');
      return parseIperfServerOutput(ended.value.stdout, ended.value.stderr, ended.value.code);
    };
    if (first !== 'listening') {
      stopServer.abort();
      const server = await serverResult();
      if (first === 'slow' && server.problem === null) return { iperf: noIperf('noResult', `the iperf3 server did not say it listens within ${timeouts.serverStart / 1000} seconds`), side: 'server' };
      return { iperf: noIperf(server.problem ?? 'noResult', server.detail), side: 'server' };
    }
    log(pairId, `The iperf3 server on ${quote(name(pair.to))} listens on ${address} port ${run.port}.`);
    const client = await exec(pairId, from, commands.client, signal);
    let iperf: IperfResult;
    if (!client.ok) iperf = noIperf('noResult', describeError(client.error));
    else {
      logOutput(pairId, client.value.stderr, 'stderr');
      iperf = parseIperfClientOutput(client.value.stdout, client.value.stderr, client.value.code);
    }
    if (iperf.problem !== null && iperf.forward === null && iperf.reverse === null) {
      // The client failed: the server would wait out its whole limit for a test that never comes.
      stopServer.abort();
      await serverRun;
      return { iperf, side: 'client' };
    }
    // The one-off server ends by itself after its one test; give it the slack to say so, then stop it.
    const ended = await within(serverRun.then(() => true), timeouts.slack, false);
    if (!ended) stopServer.abort();
    await serverRun;
    return { iperf, side: 'client' };
  };

  const ping = async (pairId: string, from: LoggedIn, address: string, command: MeasureCommand, signal: AbortSignal): Promise<MeasurePingResult> => {
    const pinged = await exec(pairId, from, command, signal);
    if (!pinged.ok) return { address, sent: 0, received: 0, lossPercent: 100, rttMinMs: null, rttAvgMs: null, rttMaxMs: null, problem: 'noResult', detail: describeError(pinged.error) };
    logOutput(pairId, pinged.value.stdout, 'stdout');
    logOutput(pairId, pinged.value.stderr, 'stderr');
    return parsePingCommandOutput(address, pinged.value.stdout, pinged.value.stderr, pinged.value.code);
  };

  log(null, `Measuring ${run.pairs.length} ${run.pairs.length === 1 ? 'link' : 'links'} one after the other: ${run.seconds} s of iperf3 in both directions at once on TCP port ${run.port}, then ${run.pings.count} pings ${run.pings.intervalSeconds} s apart.`);
  for (const pair of run.pairs) {
    const pairId = pairIdOf(pair);
    if (job.signal.aborted) {
      notMeasured(pair, 'Not measured: the measurement was cancelled.');
      continue;
    }
    job.machineStarted(pairId);
    const base = blank(pair);
    const problems: string[] = [];

    // 1. Log in to both machines (once each for the whole run).
    const fromLogin = await logIn(pairId, pair.from);
    const toLogin = job.signal.aborted ? null : await logIn(pairId, pair.to);
    if (toLogin === null || job.signal.aborted) {
      notMeasured(pair, 'Not measured: the measurement was cancelled.');
      continue;
    }
    if (!fromLogin.ok || !toLogin.ok) {
      const failed = [[fromLogin, base.fromName] as const, [toLogin, base.toName] as const].flatMap(([login, machine]) => (!login.ok && 'error' in login ? [{ machine, error: login.error }] : []));
      const loginProblems = failed.map(({ machine, error }) => `The app could not log in to ${quote(machine)}, so ${quote(base.fromName)} → ${quote(base.toName)} was not measured; this says nothing about the VPN. ${describeError(error)}`);
      finish({ ...base, problems: loginProblems, message: loginProblems[0] ?? 'Not measured.' });
      continue;
    }

    // 2. The target's overlay address.
    const found = await findAddress(pairId, pair.to, toLogin.value);
    if (found === 'cancelled') {
      notMeasured(pair, 'Not measured: the measurement was cancelled.');
      continue;
    }
    if (found.problem !== null) problems.push(found.problem);
    if (found.address === null) {
      finish({ ...base, problems, message: problems[0] ?? 'No overlay address was found.' });
      continue;
    }
    const address = found.address;
    const commands = pairCommands(address, { port: run.port, seconds: run.seconds }, run.pings);
    if (!commands.ok) {
      const why = describeMeasureError(commands.error);
      log(pairId, why);
      finish({ ...base, address, addressSource: found.source, problems: [...problems, why], message: why });
      continue;
    }

    // 3. Throughput, both directions at once.
    const throughputLimit = commands.value.server.limitSeconds * 1000 + timeouts.serverStart + 2 * timeouts.slack;
    const measured = await job.step(pairId, { index: 3, total: STEPS, label: `Throughput to ${base.toName} and back (${run.seconds} s)`, timeoutMs: throughputLimit }, (signal) => throughput(pair, address, fromLogin.value, toLogin.value, commands.value, signal));
    if (measured.status === 'cancelled') {
      finish({ ...base, address, addressSource: found.source, message: 'Not measured: the measurement was cancelled.' });
      continue;
    }
    const iperf = measured.status === 'done' ? measured.value.iperf : noIperf('timeout', `the whole test took longer than ${Math.round(throughputLimit / 1000)} seconds`);
    const side = measured.status === 'done' ? measured.value.side : 'client';
    if (iperf.problem !== null) {
      const why = describeIperfProblem(iperf.problem, { from: base.fromName, to: base.toName, address, port: run.port, seconds: run.seconds, side, detail: iperf.detail });
      log(pairId, why);
      problems.push(why);
    }

    // 4. Ping, after the throughput test (its queues would add to the round trip).
    const pingLimit = commands.value.ping.limitSeconds * 1000 + 2 * timeouts.slack;
    const pinged = await job.step(pairId, { index: 4, total: STEPS, label: `Ping ${base.toName} (${run.pings.count} × ${run.pings.intervalSeconds} s)`, timeoutMs: pingLimit }, (signal) => ping(pairId, fromLogin.value, address, commands.value.ping, signal));
    if (pinged.status === 'cancelled') {
      finish({ ...base, address, addressSource: found.source, problems, message: 'Not finished: the measurement was cancelled during the pings.' });
      continue;
    }
    const pings: MeasurePingResult =
      pinged.status === 'done' ? pinged.value : { address, sent: 0, received: 0, lossPercent: 100, rttMinMs: null, rttAvgMs: null, rttMaxMs: null, problem: 'timeout', detail: '' };
    if (pings.problem !== null && pings.received === 0) {
      const why = describePingProblem(pings.problem, { from: base.fromName, to: base.toName, address, detail: pings.detail });
      log(pairId, why);
      problems.push(why);
    }

    const link = toLinkMeasurement({ from: pair.from, to: pair.to, address }, iperf, pings, job.now());
    const compared = compareMeasurement(design, run.dataset, link);
    const comparison = compared.ok ? compared.value : null;
    const figures = `${link.forwardMbps ?? '–'} Mbit/s there, ${link.reverseMbps ?? '–'} Mbit/s back, ${link.lossPercent ?? '–'} % of ${link.pingsSent} pings lost, round trip ${link.rttAvgMs ?? '–'} ms`;
    log(pairId, `Measured: ${figures}.`);
    if (comparison !== null) log(pairId, `${comparison.profile.reason} ${comparison.summary}`);
    const nothing = link.forwardMbps === null && link.reverseMbps === null && link.rttAvgMs === null;
    finish({ ...base, address, addressSource: found.source, link, comparison, problems, message: nothing ? (problems[0] ?? 'Nothing was measured.') : (comparison?.summary ?? figures) });
  }
  return results;
}

/** What `work` gives, or `late` when it takes longer than `ms` (the timer does not outlive the wait). */
async function within<T, L>(work: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([work, new Promise<L>((resolve) => (timer = setTimeout(() => resolve(late), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** An iperf3 result without figures. */
function noIperf(problem: NonNullable<IperfResult['problem']>, detail: string): IperfResult {
  return { direction: null, forward: null, reverse: null, version: null, tcpMssBytes: null, problem, detail };
}
