import { setTimeout as sleep } from 'node:timers/promises';
import { appError, describeError, type AppError } from '../../shared/errors';
import type { DeployReach } from '../../shared/model/reachability';
import type { Design, MachineId } from '../../shared/model/types';
import { quote } from '../../shared/text';
import { discoveryQueries, probeAddress, type DiscoveryOutputs, type OverlayDiscovery } from '../../shared/verify/discovery';
import { describeVerifyError } from '../../shared/verify/errors';
import { buildMatrix, probeTargets, type MachineFindings, type PairPlan, type VerifyMatrix } from '../../shared/verify/matrix';
import { parseProbeOutput, probeArgv, probeDurationLimitSeconds, type PingResult, type ProbeReport } from '../../shared/verify/probe';
import type { VerifyMachineResult } from '../../shared/verify/schema';
import type { JobContext } from '../jobs/jobEngine';
import type { CheckPool } from '../services/checkMachines';
import type { TargetOptions } from '../services/machineTargets';
import type { SshTarget } from '../ssh/sshClient';
import { discoverOverlay, logInToMachine, runDiscoveryQueries, type ConfiguredOverlay } from './overlayAccess';

// Runs a verify (issue 15) as a job: log in to every machine of the plan, read its overlay state (discovery's
// 'before' queries), have every machine ping its targets at once (ONE probe command per machine), read the paths
// the VPN took (the 'after' queries), then build the reachability matrix (shared/verify/matrix.ts). Read-only on
// every machine: nothing is started, stopped or written there. Every command is an argv (shared/verify builds them;
// the SSH client quotes them with the one quoting helper), root ones behind `sudo -n` as deploy does.

/** Time limits (ms); tests make them short. */
export interface VerifyTimeouts {
  /** Log in and the survey (who the login user is). */
  connect: number;
  /** Each discovery query. */
  command: number;
  /** Added to the probe's own longest run (probeDurationLimitSeconds) for the round trip and a slow start. */
  probeSlack: number;
  /** The pause before targets that answered no ping are asked once more. */
  secondTry: number;
}

export const defaultVerifyTimeouts: VerifyTimeouts = { connect: 30_000, command: 20_000, probeSlack: 15_000, secondTry: 3_000 };

/** What a run needs besides the job. */
export interface VerifyRun {
  design: Design;
  /** The pairs to test and the machines to visit (planPairs, narrowed to a selection). */
  plan: PairPlan;
  pool: CheckPool;
  targets: TargetOptions;
  reach: ReadonlyMap<MachineId, DeployReach>;
  /** The addresses the configuration gives the members, by machine name, and ZeroTier's network (readConfiguredOverlay). */
  overlay: ConfiguredOverlay;
  count: number;
  tcpPort: number | null;
  /** Machines logged in to and read at once (the design's deploy concurrency). */
  concurrency: number;
  timeouts: VerifyTimeouts;
  /** Every log line, for the run's kept log. */
  onLog?: (machine: string | null, line: string) => void;
}

/** What the run found. */
export interface VerifyOutcome {
  /** Null when the run was cancelled before the matrix could be built. */
  matrix: VerifyMatrix | null;
  results: VerifyMachineResult[];
}

/** One machine as the run goes. */
interface Visit {
  id: MachineId;
  name: string;
  target: SshTarget | null;
  uid: number | null;
  sshError: AppError | null;
  before: DiscoveryOutputs;
  discovery: OverlayDiscovery | null;
  probe: ProbeReport | null;
  result: VerifyMachineResult | null;
}

const STEPS = 4;

/** Runs `work` for each item with at most `limit` at once, in order of the list. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length) {
        const item = items[next]!;
        next += 1;
        await work(item);
      }
    }),
  );
}

/** A ping's result in a few words, for the log. */
function pingText(ping: PingResult): string {
  if (ping.problem !== null && ping.received === 0) return `${ping.problem}${ping.detail === '' ? '' : ` (${ping.detail})`}`;
  const rtt = ping.rttAvgMs === null ? '' : `, average ${ping.rttAvgMs} ms`;
  const tcp = ping.tcp === null ? '' : `, TCP ${ping.tcp.port} ${ping.tcp.state}`;
  return `${ping.received} of ${ping.sent} answered${rtt}${tcp}`;
}

/** Runs a verify; see the module comment. Never throws for a machine's sake: each failure is that machine's finding. */
export async function runVerify(job: JobContext<'verify'>, run: VerifyRun): Promise<VerifyOutcome> {
  const { design, plan, timeouts } = run;
  const vpn = design.vpn.id;
  const instance = design.vpn.instance;
  const log = (visit: Visit | null, text: string, stream: 'info' | 'stdout' | 'stderr' = 'info') => {
    job.log(visit?.id ?? null, text, stream);
    run.onLog?.(visit?.name ?? null, stream === 'info' ? text : `${stream}: ${text}`);
  };
  const visits: Visit[] = plan.machines.map((m) => ({ id: m.id, name: m.name, target: null, uid: null, sshError: null, before: {}, discovery: null, probe: null, result: null }));
  const finish = (visit: Visit, result: Omit<VerifyMachineResult, 'machineId' | 'name'>) => {
    if (visit.result !== null) return;
    visit.result = { machineId: visit.id, name: visit.name, ...result };
    job.machineDone(visit.id, visit.result);
  };
  const cancelled = (visit: Visit) => finish(visit, { ssh: null, state: visit.discovery?.state ?? null, addresses: visit.discovery?.addresses ?? [], message: `Not finished: the verify was cancelled.` });
  const stepFailed = (what: string, outcome: { status: 'timedOut'; timeoutMs: number }) => `${what} did not finish within ${Math.round(outcome.timeoutMs / 1000)} seconds and was stopped.`;

  if (vpn === null) return { matrix: null, results: [] };
  const queries = discoveryQueries(vpn, instance);
  if (!queries.ok) {
    // A valid design never gets here (the instance name is checked on load); say so rather than run anything.
    log(null, describeVerifyError(queries.error));
    for (const visit of visits) finish(visit, { ssh: null, state: null, addresses: [], message: describeVerifyError(queries.error) });
    return { matrix: null, results: visits.map((v) => v.result!) };
  }
  const beforeQueries = queries.value.filter((q) => q.phase === 'before');
  const afterQueries = queries.value.filter((q) => q.phase === 'after');
  for (const m of plan.leftOut) log(null, `Not verified: ${m.reason}`);
  log(null, `${plan.description} Each machine is read with ${queries.value.length} read-only commands and pings its targets ${run.count} times each${run.tcpPort === null ? '' : `, then tries TCP port ${run.tcpPort}`}.`);

  const readQueries = (visit: Visit, queries: typeof beforeQueries, signal: AbortSignal): Promise<DiscoveryOutputs> =>
    runDiscoveryQueries(run.pool, { target: visit.target!, uid: visit.uid }, queries, signal, timeouts.command, (line, stream) => log(visit, line, stream));
  const discover = (visit: Visit, outputs: DiscoveryOutputs): OverlayDiscovery => discoverOverlay(design, run.overlay, visit.name, outputs);

  // 1. Log in to each machine and read its overlay state, up to `concurrency` at once.
  await eachLimited(visits, run.concurrency, async (visit) => {
    if (job.signal.aborted) return;
    job.machineStarted(visit.id);
    const machine = design.machines[visit.id]!;
    const reach = run.reach.get(visit.id);
    if (machine.ssh === null || machine.ssh.host.trim() === '') {
      visit.sshError = appError('verifyMachineNoWayIn', { machine: visit.name, reason: 'noAddress' });
    } else if (reach?.reach === 'unreachable') {
      visit.sshError = appError('verifyMachineNoWayIn', { machine: visit.name, reason: 'unreachable', why: reach.reason });
    }
    if (visit.sshError === null) {
      const login = await logInToMachine(job, { machine, design, reach, pool: run.pool, targets: run.targets, stepOf: visit.id, step: { index: 1, total: STEPS, label: 'Log in' }, timeoutMs: timeouts.connect, log: (line) => log(visit, line) });
      if (login.status === 'cancelled') return cancelled(visit);
      if (login.status === 'failed') visit.sshError = login.error;
      else {
        visit.target = login.value.target;
        visit.uid = login.value.uid;
      }
    }
    if (visit.sshError !== null) {
      const why = describeError(visit.sshError);
      log(visit, `Could not log in: ${why}`);
      finish(visit, { ssh: why, state: null, addresses: [], message: `The app could not log in to ${quote(visit.name)}, so its overlay was not verified; this says nothing about the VPN. ${why}` });
      return;
    }
    const read = await job.step(visit.id, { index: 2, total: STEPS, label: 'Read the overlay state', timeoutMs: timeouts.command * (beforeQueries.length + 1) }, (signal) => readQueries(visit, beforeQueries, signal));
    if (read.status === 'cancelled') return cancelled(visit);
    if (read.status === 'timedOut') log(visit, stepFailed('Reading the overlay state', read));
    visit.before = read.status === 'done' ? read.value : {};
    visit.discovery = discover(visit, visit.before);
    log(visit, visit.discovery.message);
    for (const note of visit.discovery.notes) log(visit, note);
  });
  if (job.signal.aborted) {
    for (const visit of visits) cancelled(visit);
    return { matrix: null, results: visits.map((v) => v.result!) };
  }

  // 2. The probe: every machine that could be read pings its targets, all machines at once, one command each.
  const byId = new Map(visits.map((v) => [v.id as string, v]));
  const targets = probeTargets(plan, (id) => probeAddress(byId.get(id)?.discovery ?? undefined, run.overlay.configured.get(byId.get(id)?.name ?? '')));
  const probeOptions = { count: run.count, tcpPort: run.tcpPort };
  const probeLimitMs = probeDurationLimitSeconds(probeOptions) * 1000;
  /** One probe command from a machine to some targets; its report, or null when cancelled or it could not be built. */
  const probeOnce = async (visit: Visit, to: readonly { to: string; address: string }[], again: boolean): Promise<ProbeReport | null> => {
    const addresses = to.map((t) => t.address);
    const argv = probeArgv(addresses, probeOptions);
    if (!argv.ok) {
      log(visit, describeVerifyError(argv.error));
      return null;
    }
    const names = new Map(to.map((t) => [t.address, byId.get(t.to)?.name ?? t.to]));
    log(visit, `${again ? 'Pinging again' : 'Pinging'} ${to.map((t) => `${names.get(t.address)} at ${t.address}`).join(', ')}.`);
    const label = again ? 'Ping again the machines that did not answer' : 'Ping the other machines';
    const probed = await job.step(visit.id, { index: 3, total: STEPS, label, timeoutMs: probeLimitMs + timeouts.probeSlack }, async (signal) => run.pool.exec(visit.target!, argv.value, { signal, timeoutMs: probeLimitMs + timeouts.probeSlack / 2 }));
    if (probed.status === 'cancelled') return null;
    let stdout = '';
    if (probed.status === 'timedOut') log(visit, stepFailed('The probe', probed));
    else if (!probed.value.ok) log(visit, `The probe did not run to its end: ${describeError(probed.value.error)}`);
    else stdout = probed.value.value.stdout;
    for (const line of stdout.split('\n').filter((l) => l.trim() !== '')) run.onLog?.(visit.name, `stdout: ${line}`);
    const report = parseProbeOutput(stdout, addresses, probeOptions);
    for (const result of report.results) log(visit, `ping ${names.get(result.address) ?? result.address} (${result.address}): ${pingText(result)}`);
    return report;
  };
  const targetsOf = new Map<string, { to: string; address: string }[]>();
  await Promise.all(
    targets.map(async ({ from, targets: to, withoutAddress }) => {
      const visit = byId.get(from)!;
      if (visit.target === null || visit.result !== null) return;
      const state = visit.discovery?.state;
      if (state === 'notConfigured' || state === 'notRunning') {
        log(visit, `Not pinging from ${quote(visit.name)}: ${visit.discovery!.message}`);
        return;
      }
      for (const id of withoutAddress) log(visit, `${quote(byId.get(id)?.name ?? id)} has no known overlay address, so it is not pinged.`);
      if (to.length === 0) return;
      targetsOf.set(visit.id, [...to]);
      visit.probe = await probeOnce(visit, to, false);
    }),
  );

  // A tunnel is often made on first contact (a handshake, a hole punch, a relay): right after a deploy the first pings
  // can be lost while it is made. Targets that answered none of them are asked once more after a short pause, and
  // only what that second try finds is reported; a pair that still gets no reply is really cut.
  const silent = visits.flatMap((visit) => {
    const report = visit.probe;
    if (report === null || !report.complete || report.pingMissing) return [];
    const quiet = new Set(report.results.filter((r) => r.problem === null && r.sent > 0 && r.received === 0).map((r) => r.address));
    const to = (targetsOf.get(visit.id) ?? []).filter((t) => quiet.has(t.address));
    return to.length === 0 ? [] : [{ visit, to }];
  });
  if (silent.length > 0 && !job.signal.aborted) {
    log(null, `${silent.reduce((n, s) => n + s.to.length, 0)} pairs got no reply; asking them again in ${Math.round(timeouts.secondTry / 1000)} seconds, in case their tunnels were still being made.`);
    // The pause's abort listener goes when the pause ends, not with the job: the probes after it add their own.
    await sleep(timeouts.secondTry, undefined, { signal: job.signal }).catch(() => undefined);
    await Promise.all(
      silent.map(async ({ visit, to }) => {
        if (job.signal.aborted) return;
        const again = await probeOnce(visit, to, true);
        if (again === null || visit.probe === null) return;
        const byAddress = new Map(again.results.map((r) => [r.address, r]));
        visit.probe = { ...visit.probe, results: visit.probe.results.map((r) => byAddress.get(r.address) ?? r) };
      }),
    );
  }
  if (job.signal.aborted) {
    for (const visit of visits) cancelled(visit);
    return { matrix: null, results: visits.map((v) => v.result!) };
  }

  // 3. The paths the VPN took, now that traffic flowed, then each machine is done.
  await eachLimited(visits, run.concurrency, async (visit) => {
    if (visit.result !== null || visit.target === null) return;
    if (afterQueries.length > 0 && visit.discovery?.state !== 'notConfigured' && !job.signal.aborted) {
      const read = await job.step(visit.id, { index: 4, total: STEPS, label: 'Read the paths', timeoutMs: timeouts.command * (afterQueries.length + 1) }, (signal) => readQueries(visit, afterQueries, signal));
      if (read.status === 'cancelled') return cancelled(visit);
      if (read.status === 'timedOut') log(visit, stepFailed('Reading the paths', read));
      visit.discovery = discover(visit, { ...visit.before, ...(read.status === 'done' ? read.value : {}) });
    }
    const d = visit.discovery;
    finish(visit, { ssh: null, state: d?.state ?? null, addresses: d?.addresses ?? [], message: d?.message ?? `The overlay state of ${quote(visit.name)} was not read.` });
  });
  if (job.signal.aborted) {
    for (const visit of visits) cancelled(visit);
    return { matrix: null, results: visits.map((v) => v.result!) };
  }

  // 4. The matrix.
  const findings = new Map<string, MachineFindings>(visits.map((v) => [v.id, { sshError: v.sshError, discovery: v.discovery, probe: v.probe }]));
  const matrix = buildMatrix({ design, plan, findings, configured: run.overlay.configured });
  for (const cell of matrix.cells.filter((c) => c.status !== 'reached')) log(null, `${cell.fromName} -> ${cell.toName}: ${cell.reason}`);
  log(null, matrix.summary);
  return { matrix, results: visits.map((v) => v.result!) };
}
