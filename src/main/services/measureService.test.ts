import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { RequestChannel } from '../../shared/ipc/channels';
import type { MeasureProgress, RequestOf, ResponseOf } from '../../shared/ipc/contract';
import { formatValue } from '../../shared/bench/leaderboard';
import { measureChangeLine, measureChangesSentence } from '../../shared/measure/changes';
import { measureReportSchema, type MeasureReport } from '../../shared/measure/report';
import type { Design } from '../../shared/model/types';
import { verifyReportSchema } from '../../shared/verify/schema';
import { measuredMachines, yggdrasilAddresses as addresses, yggdrasilFamily as family, type ScriptedMachines } from '../cli/deployTestDoubles';
import { createBackend, type Backend } from '../rpc/createBackend';
import { runJob } from '../../../test/jobRecording';
import { VERIFY_FRESH_MS } from './measureService';

// "Measure my network" as a job, through the app's own back end (dispatch, job engine, measure service, verify's
// login and discovery, the measure commands and parsers, the comparison with the bundled benchmark, the history).
// The machines over SSH are the scripted TEST DOUBLE of the command tests (ScriptedMachines), answering here as
// NixOS machines running Yggdrasil with iperf3: the one-off server prints its "listening" line as it starts and then
// waits for a client (or for being stopped), the client and ping print what iperf 3.12 and iputils printed on a
// build machine (src/shared/measure/fixtures/captured.json). What is proved: the order (server, then client once it
// listens, then ping; one pair after the other), where the address comes from (discovery, or a recent verify), that
// a failing client stops the server at once, the time limit on a server that never listens, cancel, the history,
// and the refusals.

const DESIGN = 'family.clan-design.json';

/** Asks the back end and returns the answer's value; a refusal fails the test. */
async function ask<C extends RequestChannel>(backend: Backend, channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = await backend.dispatch(channel, request);
  if (!result.ok) throw new Error(`${channel}: ${JSON.stringify(result.error)}`);
  return result.value as ResponseOf<C>;
}

function setup(machines: ScriptedMachines, timeouts: Record<string, number> = {}): { backend: Backend; workspace: string } {
  const root = mkdtempSync(join(tmpdir(), 'measure-service-'));
  const workspace = join(root, 'designs');
  mkdirSync(workspace);
  const backend = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: workspace, dataDir: join(root, 'data'), createMachineSsh: machines.createSsh, cleanStaleTempFiles: false, measure: { timeouts } });
  return { backend, workspace };
}

async function save(backend: Backend, design: Design): Promise<void> {
  const saved = await backend.dispatch('project:save', { name: DESIGN, design, overwrite: true });
  if (!saved.ok) throw new Error(JSON.stringify(saved.error));
}

/** The family design saved in a new workspace whose machines are `machines`, with its machine ids by name. */
async function savedFamily(machines: ScriptedMachines, timeouts: Record<string, number> = {}): Promise<{ backend: Backend; workspace: string; design: Design; ids: Record<string, string> }> {
  const { backend, workspace } = setup(machines, timeouts);
  const design = family();
  await save(backend, design);
  return { backend, workspace, design, ids: Object.fromEntries(Object.values(design.machines).map((m) => [m.name, m.id])) };
}

/** Starts a measurement and waits for its end. */
function measure(backend: Backend, design: Design, extra: Record<string, unknown> = {}, whileRunning?: (jobId: string) => Promise<void>): Promise<{ report: MeasureReport; events: MeasureProgress[] }> {
  return runJob(backend, 'measure', async () => {
    const started = await ask(backend, 'measure:start', { name: DESIGN, design, hostKeys: 'strict', seconds: 2, pings: { count: 200, intervalSeconds: 0.05 }, ...extra });
    await whileRunning?.(started.jobId);
  });
}

const pairOf = (report: MeasureReport, from: string, to: string) => report.pairs.find((p) => p.fromName === from && p.toName === to)!;
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
};

describe('measure service', () => {
  test('measures the default pairs one after the other: server on the target at its overlay address, the client once it listens, then ping; figures next to the benchmark', async () => {
    const { machines, seen } = measuredMachines({ piUnreachable: true });
    const { backend, design } = await savedFamily(machines);
    const { report, events } = await measure(backend, design);

    expect(measureReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({ outcome: 'finished', vpn: 'yggdrasil', port: 5201, seconds: 2, pings: { count: 200, intervalSeconds: 0.05 } });
    // The default pairs: each other site's best machine to the admin's (nas), sites by name.
    expect(report.pairs.map((p) => [p.fromName, p.toName])).toEqual([
      ['vps', 'nas'],
      ['pi', 'nas'],
    ]);

    // vps -> nas: the address from nas's own VPN, the server bound to it on nas, the client and pings on vps.
    const vpsNas = pairOf(report, 'vps', 'nas');
    expect(vpsNas).toMatchObject({ address: addresses.nas, addressSource: 'discovery', problems: [] });
    expect(machines.commandsOf('nas.lan').filter((a) => a.includes('iperf3'))).toEqual([['env', 'LC_ALL=C', 'timeout', '22', 'iperf3', '-s', '-1', '-B', addresses.nas, '-p', '5201', '--forceflush']]);
    expect(machines.commandsOf('vps.lan').filter((a) => a.includes('iperf3') || a.includes('ping'))).toEqual([
      ['env', 'LC_ALL=C', 'timeout', '12', 'iperf3', '-c', addresses.nas, '-p', '5201', '-t', '2', '-J', '--bidir'],
      ['env', 'LC_ALL=C', 'timeout', '16', 'ping', '-6', '-n', '-q', '-c', '200', '-i', '0.05', '-W', '1', addresses.nas],
    ]);
    // nas's login user is not root: its VPN is asked through sudo -n, as verify does.
    expect(machines.commandsOf('nas.lan').filter((a) => a.includes('yggdrasilctl'))).toEqual([['sudo', '-n', 'yggdrasilctl', '-json', 'getself']]);
    // The order: the client only after the server, the server done before the pings, nothing at the same time.
    const [server, client, ping] = seen.runs.filter((r) => r.host !== 'pi.lan').sort((a, b) => a.started - b.started);
    expect([server!.program, client!.program, ping!.program]).toEqual(['server', 'client', 'ping']);
    expect(server!.started).toBeLessThan(client!.started);
    expect(server!.ended).toBeLessThan(ping!.started);
    expect(server!.stopped).toBe(false);

    // The figures (iperf3's receiver side, ping's summary) and their comparison with Yggdrasil in the closest profile.
    const link = vpsNas.link!;
    expect(link).toMatchObject({ from: vpsNas.from, to: vpsNas.to, address: addresses.nas, pingsSent: 200, lossPercent: 9.5, iperfProblem: null, pingProblem: null });
    expect(link.forwardMbps).toBeGreaterThan(1000);
    expect(link.reverseMbps).toBeGreaterThan(1000);
    const comparison = vpsNas.comparison!;
    expect(comparison.vpnName).toBe('Yggdrasil');
    // 9.5 % loss is nearest the high profile's 5 %: loss decides.
    expect(comparison.profile).toMatchObject({ profile: 'high', source: 'measured', decidedBy: 'loss' });
    expect(comparison.rows.map((r) => [r.workload, r.direction, r.unit])).toEqual([
      ['tcp', 'forward', 'Mbit/s'],
      ['tcp', 'reverse', 'Mbit/s'],
      ['pingRtt', null, 'ms'],
      ['pingLoss', null, '%'],
    ]);
    expect(comparison.rows[0]!.sentence).toMatch(/^Your link from "vps" to "nas" is faster than Yggdrasil in the high impairment profile: /);
    expect(comparison.rows[0]!.benchmark?.value).not.toBeNull();
    expect(vpsNas.message).toBe(comparison.summary);

    // pi could not be logged in to: its pair says so, apart from the VPN.
    const piNas = pairOf(report, 'pi', 'nas');
    expect(piNas).toMatchObject({ link: null, comparison: null, address: null });
    expect(piNas.message).toMatch(/^The app could not log in to "pi", so "pi" → "nas" was not measured; this says nothing about the VPN\. Couldn't reach/);
    expect(report.summary).toBe(`1 of 2 links measured. ${vpsNas.message}`);

    // The job: one "machine" per pair, each through its steps, done with its result.
    const started = events.find((e) => e.type === 'started');
    expect(started?.type === 'started' && started.machines.map((m) => m.name)).toEqual(['vps → nas', 'pi → nas']);
    const labels = events.flatMap((e) => (e.type === 'machineStep' && e.machineId === vpsNas.pairId ? [e.step.label] : []));
    expect(labels).toEqual(['Log in to vps', 'Log in to nas', 'Find the overlay address of nas', 'Throughput to nas and back (2 s)', 'Ping nas (200 × 0.05 s)']);
    expect(events.filter((e) => e.type === 'machineDone').map((e) => (e.type === 'machineDone' ? e.machineId : ''))).toEqual([vpsNas.pairId, piNas.pairId]);
  });

  test('takes the address a recent verify reached the target at, without asking its VPN; an old verify is not used', async () => {
    const { machines } = measuredMachines();
    const { backend, workspace, design, ids } = await savedFamily(machines);
    const writeVerify = (runId: string, finishedAt: number) => {
      const cell = (from: string, to: string) => ({
        from: ids[from],
        to: ids[to],
        fromName: from,
        toName: to,
        why: 'all',
        address: addresses[to],
        status: 'reached',
        cause: null,
        reason: 'reached',
        ping: null,
        path: { observed: 'unknown', predicted: null, shown: 'unknown', via: null, matchesPrediction: null, detail: '', predictedReason: null },
      });
      const report = verifyReportSchema.parse({
        kind: 'clan-designer-verify',
        version: 1,
        runId,
        startedAt: finishedAt - 1000,
        finishedAt,
        outcome: 'finished',
        vpn: 'yggdrasil',
        matrix: {
          vpn: 'yggdrasil',
          sampled: false,
          planDescription: '',
          machines: [],
          cells: [cell('vps', 'nas'), cell('pi', 'nas')],
          counts: { pairs: 2, reached: 2, partly: 0, notReached: 0, sshUntested: 0, direct: 0, relayed: 0, unknownPath: 2, mismatches: 0 },
          summary: '2 of 2 pairs reached.',
        },
        tcpPort: null,
        count: 5,
      });
      mkdirSync(join(workspace, 'family.verifies', runId), { recursive: true });
      writeFileSync(join(workspace, 'family.verifies', runId, 'verify.json'), JSON.stringify(report));
    };

    writeVerify('2020-01-01t00-00-00-000z-old000', Date.now() - VERIFY_FRESH_MS - 60_000);
    const old = await measure(backend, design, { pairs: [{ from: ids.vps!, to: ids.nas! }] });
    expect(old.report.pairs[0]).toMatchObject({ address: addresses.nas, addressSource: 'discovery' });
    const asked = machines.commandsOf('nas.lan').filter((a) => a.includes('yggdrasilctl')).length;
    expect(asked).toBe(1);

    writeVerify('2099-01-01t00-00-00-000z-new000', Date.now());
    const fresh = await measure(backend, design, { pairs: [{ from: ids.vps!, to: ids.nas! }] });
    expect(fresh.report.pairs[0]).toMatchObject({ address: addresses.nas, addressSource: 'verify' });
    expect(machines.commandsOf('nas.lan').filter((a) => a.includes('yggdrasilctl')).length).toBe(asked);
    expect(fresh.report.pairs[0]!.link?.forwardMbps).toBeGreaterThan(0);
  });

  test('a client that fails stops the waiting server at once; the pings still run and the sentence says what to do', async () => {
    const { machines, seen } = measuredMachines({ clientRefused: true });
    const { backend, design, ids } = await savedFamily(machines);
    const { report } = await measure(backend, design, { pairs: [{ from: ids.pi!, to: ids.nas! }] });
    const server = seen.runs.find((r) => r.program === 'server')!;
    expect(server.stopped).toBe(true);
    const pair = report.pairs[0]!;
    expect(pair.link).toMatchObject({ forwardMbps: null, reverseMbps: null, iperfProblem: 'connectionRefused', lossPercent: 9.5 });
    expect(pair.problems).toEqual([
      `"nas" refused the connection to port 5201 on ${addresses.nas}: the iperf3 server was not running, or a firewall on "nas" rejects the port. Open TCP port 5201 on the VPN's interface of "nas" (networking.firewall.interfaces), then measure again. (unable to connect to server: Connection refused.)`,
    ]);
    // Without throughput, the comparison still has the pings; the summary is the first row with a value.
    expect(pair.comparison?.rows.find((r) => r.workload === 'pingLoss')?.yours).toBe(9.5);
  });

  test('a server that cannot listen on the overlay address is reported from its side and no client runs; a silent one is stopped at its time limit', async () => {
    const notHere = measuredMachines({ serverNotHere: true });
    const first = await savedFamily(notHere.machines);
    const { design, ids } = first;
    const { report } = await measure(first.backend, design, { pairs: [{ from: ids.vps!, to: ids.nas! }] });
    expect(notHere.seen.runs.map((r) => r.program)).toEqual(['server', 'ping']);
    expect(report.pairs[0]!.link?.iperfProblem).toBe('addressNotHere');
    expect(report.pairs[0]!.problems[0]).toMatch(/^The overlay address 200:2222::1 is not on "nas", so the iperf3 server could not listen on it: the VPN is not up there\. Run Verify/);

    const silent = measuredMachines({ serverSilent: true });
    const second = await savedFamily(silent.machines, { serverStart: 100 });
    const quiet = await measure(second.backend, design, { pairs: [{ from: ids.vps!, to: ids.nas! }] });
    expect(silent.seen.runs.map((r) => [r.program, r.stopped])).toEqual([
      ['server', true],
      ['ping', false],
    ]);
    expect(quiet.report.pairs[0]!.link?.iperfProblem).toBe('noResult');
    expect(quiet.report.pairs[0]!.problems[0]).toMatch(/ended without a result the app can read\. \(the iperf3 server did not say it listens within 0\.1 seconds\.\)$/);
  });

  test('cancel stops the commands running on the machines, and the pairs not reached are listed without figures', async () => {
    const { machines, seen } = measuredMachines({ clientHangs: true });
    const { backend, design } = await savedFamily(machines);
    const { report } = await measure(backend, design, {}, async (jobId) => {
      await until(() => machines.commandsOf('vps.lan').some((a) => a.includes('iperf3') && a.includes('-c')));
      expect((await backend.dispatch('job:cancel', { jobId })).ok).toBe(true);
    });
    expect(report.outcome).toBe('cancelled');
    expect(seen.runs.map((r) => [r.program, r.stopped])).toEqual([
      ['client', true],
      ['server', true],
    ]);
    expect(report.pairs.map((p) => [p.fromName, p.link, p.message])).toEqual([
      ['vps', null, 'Not measured: the measurement was cancelled.'],
      ['pi', null, 'Not measured: the measurement was cancelled.'],
    ]);
    expect(machines.commandsOf('pi.lan')).toEqual([]);
    expect(report.summary).toBe('No link was measured. The run was cancelled.');
  });

  test('runs are kept beside the design and listed newest first; last and historyEntry read them back', async () => {
    const { machines } = measuredMachines();
    const { backend, workspace, design, ids } = await savedFamily(machines);
    const first = await measure(backend, design, { pairs: [{ from: ids.pi!, to: ids.nas! }] });
    const second = await measure(backend, design, { pairs: [{ from: ids.vps!, to: ids.nas! }], port: 5299 });
    const history = await ask(backend, 'measure:history', { name: DESIGN });
    expect(history.running).toBeNull();
    expect(history.entries.map((e) => e.runId)).toEqual([second.report.runId, first.report.runId]);
    expect(history.entries[0]).toMatchObject({ outcome: 'finished', summary: second.report.summary, counts: { pairs: 1, measured: 1 } });
    const entry = await ask(backend, 'measure:historyEntry', { name: DESIGN, runId: first.report.runId });
    expect(entry.report).toEqual(first.report);
    expect(entry.log).toContain(`[pi → nas] $ env 'LC_ALL=C' timeout 22 iperf3 -s -1 -B ${addresses.nas} -p 5201 --forceflush`);
    expect(JSON.parse(readFileSync(join(workspace, 'family.measures', first.report.runId, 'measure.json'), 'utf8'))).toEqual(first.report);
    expect((await ask(backend, 'measure:last', { name: DESIGN })).report?.port).toBe(5299);
    expect((await ask(backend, 'measure:last', { name: 'other.clan-design.json' })).report).toBeNull();
  });

  test('each run says, per link, what changed since the run before: throughput, round trip and loss then and now, and the links only one run measured', async () => {
    const { machines } = measuredMachines();
    const { backend, workspace, design, ids } = await savedFamily(machines);
    const first = await measure(backend, design);
    expect(first.report.previous).toBeNull();
    // The run before had vps -> nas at twice today's throughput, and also measured pi -> nas.
    const kept = join(workspace, 'family.measures', first.report.runId, 'measure.json');
    const earlier = measureReportSchema.parse(JSON.parse(readFileSync(kept, 'utf8')));
    const vpsBefore = pairOf(earlier, 'vps', 'nas').link!;
    const faster = vpsBefore.forwardMbps! * 2;
    writeFileSync(kept, JSON.stringify({ ...earlier, pairs: earlier.pairs.map((p) => (p.fromName === 'vps' ? { ...p, link: { ...p.link!, forwardMbps: faster } } : p)) }));

    const second = await measure(backend, design, { pairs: [{ from: ids.vps!, to: ids.nas! }] });
    const now = second.report.pairs[0]!.link!;
    const previous = second.report.previous!;
    expect(previous).toMatchObject({ runId: first.report.runId, startedAt: first.report.startedAt });
    expect(previous.changes.map((c) => [c.fromName, c.toName, c.before?.forwardMbps, c.after?.forwardMbps ?? null])).toEqual([
      ['vps', 'nas', faster, now.forwardMbps],
      ['pi', 'nas', pairOf(earlier, 'pi', 'nas').link!.forwardMbps, null],
    ]);
    expect(measureChangesSentence(previous.changes)).toBe('Since the run before: vps → nas slower; pi → nas not measured this time.');
    expect(measureChangeLine(previous.changes[0]!)).toMatch(new RegExp(`^vps → nas: ${formatValue(now.forwardMbps!)} Mbit/s, was ${formatValue(faster)} \\(−50 %\\); back `));
    // Kept in the file as sent.
    expect(measureReportSchema.parse(JSON.parse(readFileSync(join(workspace, 'family.measures', second.report.runId, 'measure.json'), 'utf8'))).previous).toEqual(previous);
  });

  test('refuses, saying why: unsaved, no VPN, a refused pair, a number out of range, next to a verify or another measurement; and a verify waits for a measurement', async () => {
    const { machines } = measuredMachines({ clientHangs: true });
    const { backend } = setup(machines);
    const design = family();
    const ids = Object.fromEntries(Object.values(design.machines).map((m) => [m.name, m.id]));
    const start = (extra: Record<string, unknown> = {}, d: Design = design) => backend.dispatch('measure:start', { name: DESIGN, design: d, hostKeys: 'strict', ...extra });
    expect(await start()).toMatchObject({ ok: false, error: { code: 'measureNeedsSavedDesign' } });
    await save(backend, design);
    expect(await start({}, family(null))).toMatchObject({ ok: false, error: { code: 'measureNoVpn' } });
    expect(await start({ pairs: [{ from: ids.nas!, to: ids.nas! }] })).toMatchObject({ ok: false, error: { code: 'measureRefused', details: { error: { code: 'pairsRefused', details: { pairs: [{ from: 'nas', to: 'nas', reason: 'sameMachine' }] } } } } });
    expect(await start({ port: 80 })).toMatchObject({ ok: false, error: { code: 'measureRefused', details: { error: { code: 'outOfRange', details: { what: 'port', value: 80, min: 1024 } } } } });

    // A verify is running (it waits while logging in to vps): a measurement would share the links with its pings.
    const held = machines.hold('vps.lan');
    const verifying = await ask(backend, 'verify:start', { name: DESIGN, design, hostKeys: 'strict' });
    expect(await start()).toMatchObject({ ok: false, error: { code: 'measureBlockedByJob', details: { kind: 'verify', jobId: verifying.jobId } } });
    held.release();
    await until(() => backend.services.jobs.runningOf('verify') === null);

    // One measurement at a time; a verify waits for it too. The first hangs in its client until cancelled.
    const running = await ask(backend, 'measure:start', { name: DESIGN, design, hostKeys: 'strict' });
    expect(await start()).toMatchObject({ ok: false, error: { code: 'measureAlreadyRunning', details: { jobId: running.jobId } } });
    expect(await backend.dispatch('verify:start', { name: DESIGN, design, hostKeys: 'strict' })).toMatchObject({ ok: false, error: { code: 'verifyBlockedByJob', details: { kind: 'measure' } } });
    expect((await ask(backend, 'measure:history', { name: DESIGN })).running).toEqual({ jobId: running.jobId });
    await ask(backend, 'job:cancel', { jobId: running.jobId });
    await until(() => backend.services.jobs.runningOf('measure') === null);
  });
});
