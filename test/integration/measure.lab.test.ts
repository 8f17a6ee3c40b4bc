import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { measureReportText } from '../../src/main/cli/measureText';
import { newRunId } from '../../src/main/deploy/history';
import type { Backend } from '../../src/main/rpc/createBackend';
import { SshClientPool, type SshTarget } from '../../src/main/ssh/sshClient';
import type { MeasureProgress, RequestOf } from '../../src/shared/ipc/contract';
import { quoteCommand } from '../../src/main/ssh/quote';
import { formatFigure } from '../../src/shared/bench/leaderboard';
import { loadDataset } from '../../src/shared/bench/load';
import { compareMeasurement } from '../../src/shared/measure/compare';
import {
  isIperfServerListening,
  pairCommands,
  parseIperfClientOutput,
  parseIperfServerOutput,
  parsePingCommandOutput,
  toLinkMeasurement,
  type MeasureCommand,
} from '../../src/shared/measure/commands';
import { planDefaultPairs } from '../../src/shared/measure/pairs';
import { measureReportSchema, type MeasureReport } from '../../src/shared/measure/report';
import { linkMeasurementSchema } from '../../src/shared/measure/schema';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Design } from '../../src/shared/model/types';
import { verifyReportSchema } from '../../src/shared/verify/schema';
import { canonicalIp } from '../../src/shared/verify/ip';
import { generateClan } from '../../src/shared/nix/generate';
import { runJob } from '../jobRecording';
import { labBackend } from '../lab/backend';
import { familyLabDesign, familyLabSpec } from '../lab/family';
import { shouldRunLab, type LabHost, type LabSpec } from '../lab/lab';
import { overlayProgramsPresent, startOverlay } from '../lab/overlays';
import { useLab } from '../lab/suite';

// "Measure my network" against the SSH lab: the app's own argv (src/shared/measure/commands.ts) run over the lab's
// real SSH with the app's SshClientPool (which quotes every argument with main/ssh/quote.ts), between two lab hosts
// whose link is impaired with what this kernel offers (MACHINE-NOTES "Network impairment": no netem, so no added
// delay; tbf rate limits and iptables' random drops work). Known settings in, parsed figures out, then the
// comparison with the benchmark picks the profile and writes the sentence.
//
// The link: "parents-pi" sends through a token bucket of 20 Mbit/s on its veth (eth0) egress, "nas" through one of
// 10 Mbit/s, so the two directions of the bidirectional test must come out as two different, known rates; and
// "nas" drops 10 % of the echo requests it receives at random. The drop rule matches ICMP only, so the throughput is
// measured against the rate limit alone and the loss against the drop probability alone.
//
// The lab measures the plain network between the namespaces, without a VPN daemon (test/integration/
// overlays.lab.test.ts starts the real daemons; doing that here too would not fit in a minute). The honest benchmark
// series for a plain link is the no-VPN reference, so the comparison is asked for that series; the design's own VPN
// takes the same path through compare.ts (src/shared/measure/compare.test.ts).
//
// The second test runs the whole feature through the app's own back end (createBackend, dispatch('measure:start'):
// the job engine, the measure service, verify's login and the history) over the same real SSH and the same
// impaired link, with the design's own VPN in the comparison. Without a VPN daemon there is no overlay for the
// service to ask for an address, so the design's folder holds a verify run of a minute ago that reached each
// machine at its lab address (a TEST DOUBLE of an earlier verify, written as the verify job writes it): the service
// takes the target's address from a recent verify before asking its VPN (docs/measure.md), and the lab's plain
// addresses stand for overlay addresses. The figures are held to the same tolerances.
//
// The last test measures over a REAL overlay instead: Debian's yggdrasil started from the generated configuration
// by the overlay stand-in (test/lab/overlays.ts, a TEST DOUBLE of the overlay part of the NixOS switch) on NixOS
// stand-in hosts, as test/integration/verify.lab.test.ts does. There the service asks the machine's VPN for its
// address, binds the one-off server to it, and the bytes counted on the target's overlay interface show that the
// test crossed the overlay. The link is not impaired there: the figures are the tunnel's, and only their presence
// and the path are checked.
const run = promisify(execFile);
const runLab = (await shouldRunLab()) && (await measureProgramsPresent());

/** Skips with a message naming what is missing locally, and fails with CI=true (as shouldRunLab does). */
async function measureProgramsPresent(): Promise<boolean> {
  const missing: string[] = [];
  for (const program of ['iperf3', 'tc', 'timeout', 'ping']) {
    await run('sh', ['-c', 'command -v "$1"', 'sh', program]).catch(() => missing.push(program));
  }
  if (missing.length === 0) return true;
  const message = `The measure lab test needs ${missing.join(', ')} (bash scripts/install-test-deps.sh installs them).`;
  if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this fails instead of skipping.`);
  console.warn(`SKIPPING the measure lab test. ${message}`);
  return false;
}

const spec: LabSpec = {
  prefix: 'cndms',
  sites: [{ name: 'home' }, { name: 'parents' }],
  hosts: [
    { name: 'nas', site: 'home' },
    { name: 'parents-pi', site: 'parents' },
  ],
};

/** The token-bucket rates (Mbit/s) on each host's egress. */
const RATE = { 'parents-pi': 20, nas: 10 } as const;
/** The drop probability of echo requests arriving at "nas". */
const DROP = 0.1;
/** Pings and their interval: 300 × 0.05 s = 15 s. */
const PINGS = { count: 300, intervalSeconds: 0.05 };
/** Seconds of the bidirectional throughput test. */
const SECONDS = 5;
const PORT = 5299;

/**
 * Throughput tolerance: 70 to 105 % of the bucket's rate. Below: TCP through a token bucket with a small burst
 * loses some rate to the bucket's drops and cubic's backing off (MACHINE-NOTES measured 18.2 of 20 Mbit/s one way),
 * slow start counts in a 5 s test, and in the bidirectional test each direction's ACKs wait in the other host's
 * bucket behind the other direction's data, which slows the faster direction most (observed here: 15.4 to 16.8 of
 * 20 and 9.1 to 9.2 of 10 Mbit/s). The buckets queue at most 50 ms, so data still queued when the test stops (which
 * the receiver never counts) is at most 1 % of 5 s. Above: iperf3 counts payload only, so with 1500-byte packets it
 * cannot exceed about 96.5 % of the line rate (1448 of 1500 bytes); the 32 kbit burst adds 0.03 % over 5 s; 105 %
 * leaves room for tc's rounding of the rate.
 */
const RATE_BAND = { low: 0.7, high: 1.05 };

/**
 * Loss tolerance: the number of lost pings is binomial(n = 300, p = 0.1), standard deviation √(n·p·(1−p)) = 5.2
 * pings = 1.73 %. The band is p ± 4 standard deviations (3.1 % to 16.9 %), which a correct measurement leaves about
 * once in 16,000 runs. The lab's veths lose nothing themselves.
 */
const LOSS_SD = Math.sqrt((PINGS.count * DROP * (1 - DROP)) / PINGS.count ** 2) * 100;
const LOSS_BAND = { low: DROP * 100 - 4 * LOSS_SD, high: DROP * 100 + 4 * LOSS_SD };

const loaded = loadDataset(JSON.parse(readFileSync(new URL('../../resources/bench/vpn-bench.json', import.meta.url), 'utf8')));
if (!loaded.ok) throw new Error(`the bundled dataset does not load: ${loaded.error.code}`);
const dataset = loaded.value;

/** Runs a measure job through the back end's contract; returns its report and every progress event it sent. */
function measureJob(backend: Backend, request: RequestOf<'measure:start'>): Promise<{ report: MeasureReport; events: MeasureProgress[] }> {
  return runJob(backend, 'measure', async () => {
    const startedJob = await backend.dispatch('measure:start', request);
    if (!startedJob.ok) throw new Error(`measure:start: ${JSON.stringify(startedJob.error)}`);
  });
}

describe.skipIf(!runLab)('measure my network against the SSH lab (rate limit and loss)', () => {
  const suite = useLab('measure', spec);

  function target(host: LabHost): SshTarget {
    const user = suite.lab.users.plain;
    return { host: host.address, port: host.port, username: user.name, privateKey: user.privateKey };
  }

  /** Runs a command on a lab host's own network namespace as root (the impairment, never the measurement). */
  async function inHost(host: LabHost, argv: string[]): Promise<string> {
    const { stdout } = await run('ip', ['netns', 'exec', host.namespace, ...argv], { timeout: 10_000 });
    return stdout;
  }

  /** The design as a user draws it: the admin at home with the NAS; the parents' line drawn as 20 up / 10 down. */
  function labDesign(): Design {
    const b = designBuilder();
    const home = b.site('Home', 'public');
    const parents = b.site("Parents' house", 'public', { kind: 'family', uplink: { downMbps: 10, upMbps: 20 } });
    const ssh = (host: LabHost) => ({ host: host.address, port: host.port, user: suite.lab.users.plain.name });
    b.machine('nas', home, 'nas', { ssh: ssh(suite.lab.host('nas')) });
    b.machine('parents-pi', parents, 'sbc', { ssh: ssh(suite.lab.host('parents-pi')) });
    b.admin(home);
    return b.vpn('wireguard');
  }

  /** The impairment (see the top of the file); the same whichever test sets it first. */
  async function impair(): Promise<void> {
    for (const host of [suite.lab.host('parents-pi'), suite.lab.host('nas')]) {
      await inHost(host, ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', `${RATE[host.name as keyof typeof RATE]}mbit`, 'burst', '32kbit', 'latency', '50ms']);
    }
    const drop = ['INPUT', '-p', 'icmp', '--icmp-type', 'echo-request', '-m', 'statistic', '--mode', 'random', '--probability', String(DROP), '-j', 'DROP'];
    const nas = suite.lab.host('nas');
    const present = await inHost(nas, ['iptables', '-w', '-C', ...drop]).then(
      () => true,
      () => false,
    );
    if (!present) await inHost(nas, ['iptables', '-w', '-A', ...drop]);
  }

  /** The figures against the settings (the tolerances at the top of the file). */
  function expectWithinTolerances(link: { forwardMbps: number | null; reverseMbps: number | null; lossPercent: number | null }, figures: string): void {
    expect(link.forwardMbps, figures).toBeGreaterThanOrEqual(RATE['parents-pi'] * RATE_BAND.low);
    expect(link.forwardMbps, figures).toBeLessThanOrEqual(RATE['parents-pi'] * RATE_BAND.high);
    expect(link.reverseMbps, figures).toBeGreaterThanOrEqual(RATE.nas * RATE_BAND.low);
    expect(link.reverseMbps, figures).toBeLessThanOrEqual(RATE.nas * RATE_BAND.high);
    expect(link.lossPercent, figures).toBeGreaterThanOrEqual(LOSS_BAND.low);
    expect(link.lossPercent, figures).toBeLessThanOrEqual(LOSS_BAND.high);
  }

  test('the parsed rates and loss match the settings, and the comparison picks the high profile with the no-VPN figures', async () => {
    const started = Date.now();
    const nas = suite.lab.host('nas');
    const design = labDesign();

    // The default pair: the parents' best machine to the admin's.
    const plan = planDefaultPairs(design);
    expect(plan.pairs.map((p) => [design.machines[p.from]!.name, design.machines[p.to]!.name])).toEqual([['parents-pi', 'nas']]);
    const pair = plan.pairs[0]!;

    await impair();

    const commands = pairCommands(nas.address, { port: PORT, seconds: SECONDS }, PINGS);
    if (!commands.ok) throw new Error(`refused: ${JSON.stringify(commands.error)}`);
    const { server, client, ping } = commands.value;

    const pool = suite.track(new SshClientPool({ knownHostsPath: join(suite.work, 'known_hosts'), connectTimeoutMs: 5_000, hostKeyPolicy: { mode: 'tofu', confirm: async () => true } }));
    const exec = (host: LabHost, command: MeasureCommand, onStdout?: (text: string) => void) =>
      pool.exec(target(host), command.argv, { timeoutMs: (command.limitSeconds + 5) * 1000, ...(onStdout === undefined ? {} : { onStdout }) });

    // The one-off server on "nas"; the client starts once the server says it listens.
    let serverOut = '';
    let markListening: () => void = () => undefined;
    const listening = new Promise<void>((resolve) => (markListening = resolve));
    const serverRun = exec(nas, server, (text) => {
      serverOut += text;
      if (isIperfServerListening(serverOut)) markListening();
    });
    await Promise.race([listening, serverRun]);
    expect(isIperfServerListening(serverOut), `server did not listen: ${JSON.stringify(await Promise.race([serverRun, Promise.resolve('still running')]))}`).toBe(true);
    const pi = suite.lab.host('parents-pi');
    const clientRun = await exec(pi, client);
    const serverDone = await serverRun;
    if (!clientRun.ok || !serverDone.ok) throw new Error(`ssh: ${JSON.stringify(clientRun.ok ? serverDone : clientRun)}`);
    const iperf = parseIperfClientOutput(clientRun.value.stdout, clientRun.value.stderr, clientRun.value.code);
    expect(iperf, `client stderr: ${clientRun.value.stderr}`).toMatchObject({ direction: 'bidir', problem: null });
    expect(parseIperfServerOutput(serverDone.value.stdout, serverDone.value.stderr, serverDone.value.code)).toMatchObject({ listening: true, accepted: true, problem: null });

    // Then the pings (not during the throughput test, whose queues would add to the round trip).
    const pingRun = await exec(pi, ping);
    if (!pingRun.ok) throw new Error(`ssh: ${JSON.stringify(pingRun.error)}`);
    const pings = parsePingCommandOutput(nas.address, pingRun.value.stdout, pingRun.value.stderr, pingRun.value.code);
    expect(pings, quoteCommand(ping.argv)).toMatchObject({ sent: PINGS.count, problem: null });

    const link = toLinkMeasurement({ from: pair.from, to: pair.to, address: nas.address }, iperf, pings, Date.now());
    expect(linkMeasurementSchema.parse(link)).toEqual(link);
    const figures = `forward ${link.forwardMbps} Mbit/s, reverse ${link.reverseMbps} Mbit/s, loss ${link.lossPercent} % of ${link.pingsSent}, rtt ${link.rttMinMs}/${link.rttAvgMs} ms`;
    console.info(`measure lab: ${figures}`);

    // The figures against the settings (tolerances above).
    expectWithinTolerances(link, figures);

    // The comparison: ~10 % loss is nearest the high profile's 5 % (and beyond it), decided by loss, since the
    // round trip on a veth rises only a fraction of a millisecond above its fastest reply.
    const compared = compareMeasurement(design, dataset, link, { vpn: 'none' });
    if (!compared.ok) throw new Error(`refused: ${compared.error.code}`);
    const c = compared.value;
    expect(c.profile).toMatchObject({ profile: 'high', source: 'measured', decidedBy: 'loss' });
    expect(c.profile.dimensions.find((d) => d.dimension === 'delay')).toMatchObject({ nearest: 'baseline' });
    const at = 'No VPN in the high impairment profile';
    const [forward, reverse, , loss] = c.rows;
    // The no-VPN reference at high impairment: 4.3 Mbit/s single TCP (pairs 3.8 to 5.2), 4.7 % ping loss (3.0 to 6.3).
    expect(forward!.sentence).toBe(`Your link from "parents-pi" to "nas" is faster than ${at}: ${formatFigure(link.forwardMbps!, 'Mbit/s')} against 4.3 Mbit/s (its pairs: 3.8 to 5.2 Mbit/s).`);
    expect(reverse!.sentence).toBe(`Your link from "nas" back to "parents-pi" is faster than ${at}: ${formatFigure(link.reverseMbps!, 'Mbit/s')} against 4.3 Mbit/s (its pairs: 3.8 to 5.2 Mbit/s).`);
    expect(loss!.sentence).toBe(`Your link from "parents-pi" to "nas" loses more pings than ${at}: ${formatFigure(link.lossPercent!, '%')} against 4.7 % (its pairs: 3.0 to 6.3 %).`);
    expect(c.summary).toBe(reverse!.sentence);
    // The rates reach the drawn line, so the comparison names it as the limit, in both directions.
    expect(c.caveats.filter((x) => x.includes("drawn for \"Parents' house\"")).map((x) => x.replace(/^Your [\d.]+ Mbit\/s/, 'Your N'))).toEqual([
      'Your N from "parents-pi" to "nas" is close to the 20.0 Mbit/s upload drawn for "Parents\' house": that internet link, not the VPN, sets the limit there, which the benchmark\'s uncapped profiles do not have.',
      'Your N from "nas" to "parents-pi" is close to the 10.0 Mbit/s download drawn for "Parents\' house": that internet link, not the VPN, sets the limit there, which the benchmark\'s uncapped profiles do not have.',
    ]);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 60_000);
  test('through the app\'s back end: the measure job logs in over real SSH, measures the default pair one step after the other, and shows the figures next to WireGuard\'s at the high profile', async () => {
    const started = Date.now();
    const nas = suite.lab.host('nas');
    const pi = suite.lab.host('parents-pi');
    const design = labDesign();
    await impair();
    const workspace = mkdtempSync(join(tmpdir(), 'cnd-measure-ws-'));
    // The lab's plain user, with a known_hosts of its own (the first test's pool has the other).
    const backend: Backend = labBackend(suite, { workspace, user: 'plain', knownHostsFile: 'known_hosts-service' });
    const saved = await backend.dispatch('project:save', { name: 'family.clan-design.json', design, overwrite: true });
    if (!saved.ok) throw new Error(`save: ${JSON.stringify(saved.error)}`);

    // TEST DOUBLE of a verify run a minute ago, as the verify job keeps it: each machine reached at its lab address.
    const id = (name: string) => Object.values(design.machines).find((m) => m.name === name)!.id;
    const cell = (from: string, to: string, address: string) => ({
      from: id(from),
      to: id(to),
      fromName: from,
      toName: to,
      why: 'all',
      address,
      status: 'reached',
      cause: null,
      reason: `"${from}" reached "${to}" over the overlay.`,
      ping: null,
      path: { observed: 'unknown', predicted: 'direct', shown: 'unknown', via: null, matchesPrediction: null, detail: 'not told', predictedReason: null },
    });
    const verifiedAt = Date.now() - 60_000;
    const verifyRun = newRunId(verifiedAt, 'lab000');
    const verify = verifyReportSchema.parse({
      kind: 'clan-designer-verify',
      version: 1,
      runId: verifyRun,
      startedAt: verifiedAt - 5_000,
      finishedAt: verifiedAt,
      outcome: 'finished',
      vpn: 'wireguard',
      matrix: {
        vpn: 'wireguard',
        sampled: false,
        planDescription: 'Every ordered pair of the 2 machines: 2 pairs.',
        machines: [],
        cells: [cell('parents-pi', 'nas', nas.address), cell('nas', 'parents-pi', pi.address)],
        counts: { pairs: 2, reached: 2, partly: 0, notReached: 0, sshUntested: 0, direct: 0, relayed: 0, unknownPath: 2, mismatches: 0 },
        summary: '2 of 2 pairs reached.',
      },
      tcpPort: null,
      count: 3,
    });
    mkdirSync(join(workspace, 'family.verifies', verifyRun), { recursive: true });
    writeFileSync(join(workspace, 'family.verifies', verifyRun, 'verify.json'), JSON.stringify(verify));

    // The measurement, through the contract: the default pair, the settings of the first test.
    const { report, events } = await measureJob(backend, { name: 'family.clan-design.json', design, hostKeys: 'ask', seconds: SECONDS, pings: PINGS });
    const logs = events.flatMap((e) => (e.type === 'log' ? [`${e.stream} ${e.text}`] : []));
    expect(report.outcome, logs.join('\n')).toBe('finished');
    expect(report.pairs).toHaveLength(1);
    const pair = report.pairs[0]!;
    expect(pair, logs.join('\n')).toMatchObject({ fromName: 'parents-pi', toName: 'nas', address: nas.address, addressSource: 'verify', problems: [] });
    const link = pair.link!;
    const figures = `forward ${link.forwardMbps} Mbit/s, reverse ${link.reverseMbps} Mbit/s, loss ${link.lossPercent} % of ${link.pingsSent}, rtt ${link.rttMinMs}/${link.rttAvgMs} ms`;
    console.info(`measure lab (service): ${figures}`);
    expect(link).toMatchObject({ pingsSent: PINGS.count, iperfProblem: null, pingProblem: null });
    expectWithinTolerances(link, figures);

    // The steps, one after the other: log in to both, the address from the verify (no step of its own), throughput, ping.
    expect(events.flatMap((e) => (e.type === 'machineStep' ? [e.step.label] : []))).toEqual(['Log in to parents-pi', 'Log in to nas', 'Throughput to nas and back (5 s)', `Ping nas (${PINGS.count} × ${PINGS.intervalSeconds} s)`]);

    // The comparison is shown: WireGuard at the high profile (about 10 % loss), its cells, and the sentences.
    const comparison = pair.comparison!;
    expect(comparison).toMatchObject({ vpn: 'wireguard', vpnName: 'WireGuard', profile: { profile: 'high', source: 'measured', decidedBy: 'loss' } });
    const [forward, reverse, , loss] = comparison.rows;
    expect(forward!.benchmark?.value).not.toBeNull();
    expect(forward!.sentence).toMatch(new RegExp(`^Your link from "parents-pi" to "nas" is (faster than|about as fast as|slower than) WireGuard in the high impairment profile: ${formatFigure(link.forwardMbps!, 'Mbit/s').replace('.', '\\.')} against `));
    expect(reverse!.yoursText).toBe(formatFigure(link.reverseMbps!, 'Mbit/s'));
    expect(loss!.sentence).toMatch(/^Your link from "parents-pi" to "nas" loses (more|about as many|fewer) pings (than|as) WireGuard in the high impairment profile: /);
    const text = measureReportText(report, { file: 'family.clan-design.json', historyDir: null });
    expect(text).toMatch(/\n {4}measured +yours +WireGuard, high +its pairs +factor +verdict +notes\n/);
    expect(text).toContain(comparison.summary);

    // Kept beside the design, with every command in the log: the one-off server bound to the address measured.
    const last = await backend.dispatch('measure:last', { name: 'family.clan-design.json' });
    expect(last.ok && measureReportSchema.parse((last.value as { report: unknown }).report).runId).toBe(report.runId);
    expect(existsSync(join(workspace, 'family.measures', report.runId, 'measure.json'))).toBe(true);
    const entry = await backend.dispatch('measure:historyEntry', { name: 'family.clan-design.json', runId: report.runId });
    expect(entry.ok && (entry.value as { log: string }).log).toContain(`[parents-pi → nas] $ env 'LC_ALL=C' timeout 25 iperf3 -s -1 -B ${nas.address} -p 5201 --forceflush`);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 60_000);
});

const overlaySpec = familyLabSpec('cndmo', { machines: ['vps', 'nas'] });

const runOverlayLab = runLab && overlayProgramsPresent('the measure lab test over a real overlay');

describe.skipIf(!runOverlayLab)('measure my network over a real Yggdrasil overlay (NixOS stand-ins, real SSH)', () => {
  const suite = useLab('measure-overlay', overlaySpec);

  test('the service finds the target\'s overlay address from its VPN, binds the one-off server to it, and the test crosses the overlay', async () => {
    const started = Date.now();
    // The admin's laptop is elsewhere behind NAT; the nas is reached through the vps, which the lab lets in.
    const design = familyLabDesign(suite.lab, 'yggdrasil', { user: 'sudo', admin: 'laptop' });
    const generated = generateClan(design);
    if (!generated.ok) throw new Error(`generate: ${generated.error.code}`);
    const overlay = await startOverlay(suite.lab, generated.value.files, 'yggdrasil');
    try {
      for (let i = 0; i < 40 && !(await overlay.ping('nas', 'vps', { waitSeconds: 1 })); i += 1) await new Promise((r) => setTimeout(r, 250));
      const backend = labBackend(suite, { workspace: mkdtempSync(join(tmpdir(), 'cnd-measure-overlay-ws-')) });
      const saved = await backend.dispatch('project:save', { name: 'family.clan-design.json', design, overwrite: true });
      if (!saved.ok) throw new Error(`save: ${JSON.stringify(saved.error)}`);

      /** Bytes the vps's overlay interface received so far. */
      const received = async () => {
        const { stdout } = await run('ip', ['netns', 'exec', suite.lab.host('vps').namespace, 'ip', '-j', '-s', 'link', 'show', 'dev', overlay.member('vps').interface]);
        return (JSON.parse(stdout) as { stats64: { rx: { bytes: number } } }[])[0]!.stats64.rx.bytes;
      };
      const before = await received();
      const { report, events } = await measureJob(backend, { name: 'family.clan-design.json', design, hostKeys: 'ask', seconds: 3, pings: { count: 20, intervalSeconds: 0.05 } });
      const logs = events.flatMap((e) => (e.type === 'log' ? [`${e.stream} ${e.text}`] : [])).join('\n');
      const vpsAddress = canonicalIp(overlay.member('vps').address)!;
      // The default pair: the home's machine to the one with a public address (the admin's site has none).
      expect(report.pairs.map((p) => [p.fromName, p.toName])).toEqual([['nas', 'vps']]);
      const pair = report.pairs[0]!;
      expect(pair, `${logs}\n${overlay.logTail('vps', 8)}`).toMatchObject({ address: vpsAddress, addressSource: 'discovery', problems: [] });
      const link = pair.link!;
      console.info(`measure lab (yggdrasil): forward ${link.forwardMbps} Mbit/s, reverse ${link.reverseMbps} Mbit/s, loss ${link.lossPercent} % of ${link.pingsSent}, rtt ${link.rttAvgMs} ms`);
      expect(link.forwardMbps).toBeGreaterThan(1);
      expect(link.reverseMbps).toBeGreaterThan(1);
      expect(link).toMatchObject({ pingsSent: 20, iperfProblem: null, pingProblem: null });
      // What the vps received over the test, counted by its overlay interface: at least the payload iperf3 counted.
      const payload = (link.forwardMbps! * 1e6 * link.seconds!) / 8;
      expect(await received() - before).toBeGreaterThanOrEqual(payload * 0.95);
      expect(logs).toContain(`$ env 'LC_ALL=C' timeout 23 iperf3 -s -1 -B ${vpsAddress} -p 5201 --forceflush`);
      expect(logs).toContain('sudo -n yggdrasilctl -json getself');
      expect(pair.comparison).toMatchObject({ vpnName: 'Yggdrasil', profile: { source: 'measured' } });
      expect(pair.comparison!.rows.map((r) => r.workload)).toEqual(['tcp', 'tcp', 'pingRtt', 'pingLoss']);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await overlay.destroy();
    }
  }, 60_000);
});
