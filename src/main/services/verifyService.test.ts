import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { DeployReport } from '../../shared/deploy/report';
import type { RequestChannel } from '../../shared/ipc/channels';
import type { RequestOf, ResponseOf, VerifyProgress } from '../../shared/ipc/contract';
import type { Design } from '../../shared/model/types';
import { PROBE_SCRIPT } from '../../shared/verify/probe';
import { verifyReportSchema, type VerifyReport } from '../../shared/verify/schema';
import { ScriptedMachines, storePathOf, yggdrasilAddresses as addresses, yggdrasilFamily as family } from '../cli/deployTestDoubles';
import { createBackend, type Backend } from '../rpc/createBackend';
import { runJob } from '../../../test/jobRecording';
import { deployJobKind } from './deployService';

// Verify as a job, through the app's own back end (dispatch, job engine, verify service, discovery, probe parser,
// matrix, history). The machines over SSH are the scripted TEST DOUBLE of the deploy command tests, answering here
// as NixOS machines running Yggdrasil. What is proved: root queries go through `sudo -n` only for a login user that
// is not root, a machine the app cannot log in to is still pinged at the address Clan's public var gives it, runs
// are kept beside the design and listed newest first, and verify refuses to start next to a deploy or another verify.

/** TEST DOUBLE: NixOS machines running Yggdrasil, as the verify's commands see them; every ping is answered. */
function yggdrasilMachines(options: { piUnreachable?: boolean; silent?: (from: string, to: string, attempt: number) => boolean } = {}): ScriptedMachines {
  const attempts = new Map<string, number>();
  return new ScriptedMachines(
    {
      'vps.lan': { system: storePathOf('vps', 1) },
      'nas.lan': { system: storePathOf('nas', 1), uid: 1000 },
      'pi.lan': { system: storePathOf('pi', 1), unreachable: options.piUnreachable === true },
    },
    (host, argv) => {
      const me = host.replace(/\.lan$/, '');
      const command = argv[0] === 'sudo' ? argv.slice(2) : [...argv];
      if (command[0] === 'systemctl') return { stdout: 'LoadState=loaded\nActiveState=active\nSubState=running\n' };
      if (command.join(' ') === 'ip -j addr show dev ygg') return { stdout: JSON.stringify([{ ifname: 'ygg', flags: ['UP'], addr_info: [{ local: addresses[me], prefixlen: 7, scope: 'global' }] }]) };
      if (command.join(' ') === 'yggdrasilctl -json getself') return { stdout: JSON.stringify({ build_name: 'yggdrasil', key: `key-${me}`, address: addresses[me], subnet: '300::/64' }) };
      if (command.join(' ') === 'yggdrasilctl -json getpeers') return { stdout: JSON.stringify({ peers: me === 'vps' ? [] : [{ remote: 'tls://203.0.113.10:6446', up: true, address: addresses.vps, key: 'key-vps' }] }) };
      if (command[0] === 'sh' && command[2] === PROBE_SCRIPT) {
        const count = Number(command[4]);
        const nameOf = (a: string) => Object.keys(addresses).find((n) => addresses[n] === a) ?? a;
        const lines = command.slice(6).flatMap((a) => {
          const key = `${me}>${nameOf(a)}`;
          const attempt = (attempts.get(key) ?? 0) + 1;
          attempts.set(key, attempt);
          if (options.silent?.(me, nameOf(a), attempt) === true) return [`ping ${a} | ${count} packets transmitted, 0 received, 100% packet loss, time 400ms`, `ping ${a} exit 1`];
          return [`ping ${a} | ${count} packets transmitted, ${count} received, 0% packet loss, time 400ms`, `ping ${a} | rtt min/avg/max/mdev = 1.0/1.5/2.0/0.1 ms`, `ping ${a} exit 0`];
        });
        return { stdout: `cnd-probe start 1\n${lines.join('\n')}\ncnd-probe end\n` };
      }
      return undefined;
    },
  );
}

/** Asks the back end and returns the answer's value; a refusal fails the test. */
async function ask<C extends RequestChannel>(backend: Backend, channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = await backend.dispatch(channel, request);
  if (!result.ok) throw new Error(`${channel}: ${JSON.stringify(result.error)}`);
  return result.value as ResponseOf<C>;
}

interface Setup {
  backend: Backend;
  machines: ScriptedMachines;
  workspace: string;
}

function setup(machines: ScriptedMachines): Setup {
  const root = mkdtempSync(join(tmpdir(), 'verify-service-'));
  const workspace = join(root, 'designs');
  mkdirSync(workspace);
  const backend = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: workspace, dataDir: join(root, 'data'), createMachineSsh: machines.createSsh, cleanStaleTempFiles: false, verify: { timeouts: { secondTry: 50 } } });
  return { backend, machines, workspace };
}

async function save(backend: Backend, design: Design): Promise<void> {
  const saved = await backend.dispatch('project:save', { name: 'family.clan-design.json', design, overwrite: true });
  if (!saved.ok) throw new Error(JSON.stringify(saved.error));
}

/** Starts a verify and waits for its end. */
function verify(backend: Backend, design: Design, extra: Record<string, unknown> = {}): Promise<{ report: VerifyReport; events: VerifyProgress[] }> {
  return runJob(backend, 'verify', () => ask(backend, 'verify:start', { name: 'family.clan-design.json', design, hostKeys: 'strict', ...extra }));
}

describe('verify service', () => {
  test('root queries go through sudo -n only for a login user that is not root; a machine not logged in to is pinged at its public var address', async () => {
    const { backend, machines, workspace } = setup(yggdrasilMachines({ piUnreachable: true }));
    const design = family();
    await save(backend, design);
    // The address Clan's vars generator wrote for pi (clanServices/yggdrasil), as deploy leaves it beside the design.
    const varDir = join(workspace, 'family.clan', 'vars', 'per-machine', 'pi', 'yggdrasil', 'address');
    mkdirSync(varDir, { recursive: true });
    writeFileSync(join(varDir, 'value'), `${addresses.pi}\n`);

    const { report, events } = await verify(backend, design, { count: 2 });
    expect(report.outcome).toBe('finished');
    const matrix = report.matrix!;
    const cell = (from: string, to: string) => matrix.cells.find((c) => c.fromName === from && c.toName === to)!;
    expect(cell('nas', 'pi')).toMatchObject({ status: 'reached', address: addresses.pi });
    expect(cell('pi', 'nas')).toMatchObject({ status: 'notReached', cause: 'sshUnreachable' });
    expect(matrix.counts).toMatchObject({ pairs: 6, reached: 4, notReached: 2, sshUntested: 2 });
    // The VPN's peer list tells the path: vps is a direct peer of nas; pi is routed through other nodes.
    expect(cell('nas', 'vps').path.observed).toBe('direct');

    expect(machines.commandsOf('nas.lan').filter((a) => a.includes('yggdrasilctl'))).toEqual([
      ['sudo', '-n', 'yggdrasilctl', '-json', 'getself'],
      ['sudo', '-n', 'yggdrasilctl', '-json', 'getpeers'],
    ]);
    expect(machines.commandsOf('vps.lan').filter((a) => a.includes('yggdrasilctl'))).toEqual([
      ['yggdrasilctl', '-json', 'getself'],
      ['yggdrasilctl', '-json', 'getpeers'],
    ]);
    // One probe per machine that could be logged in to, pinging the two others.
    expect(machines.commands.filter((c) => c.argv[2] === PROBE_SCRIPT).map((c) => [c.host, c.argv.slice(5)])).toEqual(
      expect.arrayContaining([
        ['nas.lan', ['0', addresses.pi, addresses.vps]],
        ['vps.lan', ['0', addresses.nas, addresses.pi]],
      ]),
    );
    const results = events.filter((e) => e.type === 'machineDone').map((e) => (e.type === 'machineDone' ? e.result : null)!);
    expect(results.find((r) => r.name === 'pi')).toMatchObject({ state: null, addresses: [] });
    expect(results.find((r) => r.name === 'pi')!.ssh).toMatch(/Couldn't reach/);
    expect(results.find((r) => r.name === 'nas')).toMatchObject({ ssh: null, state: 'running', addresses: [addresses.nas] });
    // Steps: log in, read, ping, paths.
    expect(events.filter((e) => e.type === 'machineStep' && e.machineId === results.find((r) => r.name === 'nas')!.machineId).map((e) => (e.type === 'machineStep' ? e.step.label : ''))).toEqual([
      'Log in',
      'Read the overlay state',
      'Ping the other machines',
      'Read the paths',
    ]);
  });

  test('a pair whose first pings all get lost is asked once more, so a tunnel still being made is not reported as cut; one that stays silent is', async () => {
    // nas -> pi is silent on the first try only (its tunnel was being made); vps -> pi never answers (cut).
    const { backend, machines } = setup(yggdrasilMachines({ silent: (from, to, attempt) => (from === 'nas' && to === 'pi' && attempt === 1) || (from === 'vps' && to === 'pi') }));
    const design = family();
    await save(backend, design);
    const { report, events } = await verify(backend, design, { count: 2 });
    const cell = (from: string, to: string) => report.matrix!.cells.find((c) => c.fromName === from && c.toName === to)!;
    expect(cell('nas', 'pi')).toMatchObject({ status: 'reached', address: addresses.pi });
    expect(cell('vps', 'pi')).toMatchObject({ status: 'notReached', cause: 'noReply' });
    expect(report.matrix!.counts).toMatchObject({ pairs: 6, reached: 5, notReached: 1 });
    // The second try pings only the silent targets, once per machine.
    const probes = (host: string) => machines.commandsOf(host).filter((a) => a[2] === PROBE_SCRIPT).map((a) => a.slice(6));
    expect(probes('nas.lan')).toEqual([[addresses.pi, addresses.vps].sort(), [addresses.pi]].map((list, i) => (i === 0 ? expect.arrayContaining(list) : list)));
    expect(probes('vps.lan')).toHaveLength(2);
    expect(probes('pi.lan')).toHaveLength(1);
    const logs = events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.text : ''));
    expect(logs.some((l) => /^2 pairs got no reply; asking them again in 0 seconds/.test(l))).toBe(true);
  });

  test('each run says which pairs changed since the run before', async () => {
    let cut = true;
    const { backend } = setup(yggdrasilMachines({ silent: (from, to) => cut && from === 'vps' && to === 'pi' }));
    const design = family();
    await save(backend, design);
    const first = await verify(backend, design, { count: 2 });
    expect(first.report.previous).toBeNull();
    cut = false;
    const second = await verify(backend, design, { count: 2 });
    expect(second.report.previous).toMatchObject({ runId: first.report.runId, changes: [{ fromName: 'vps', toName: 'pi', before: 'notReached', after: 'reached' }] });
    const logs = second.events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.text : ''));
    expect(logs.filter((l) => l.includes('got no reply'))).toEqual([]);
  });

  test('runs are kept beside the design and listed newest first; last and historyEntry read them back', async () => {
    const { backend } = setup(yggdrasilMachines());
    const design = family();
    await save(backend, design);
    const first = await verify(backend, design);
    const second = await verify(backend, design, { tcpPort: 22 });
    const history = await ask(backend, 'verify:history', { name: 'family.clan-design.json' });
    expect(history.running).toBeNull();
    expect(history.entries.map((e) => e.runId)).toEqual([second.report.runId, first.report.runId]);
    expect(history.entries[0]).toMatchObject({ outcome: 'finished', summary: expect.stringMatching(/^6 of 6 pairs reached/), counts: { pairs: 6, reached: 6, partly: 0, notReached: 0, sshUntested: 0 } });
    const entry = await ask(backend, 'verify:historyEntry', { name: 'family.clan-design.json', runId: first.report.runId });
    expect(verifyReportSchema.parse(entry.report).runId).toBe(first.report.runId);
    expect(entry.log).toContain('[vps] $ yggdrasilctl -json getself');
    expect((await ask(backend, 'verify:last', { name: 'family.clan-design.json' })).report?.tcpPort).toBe(22);
    expect((await ask(backend, 'verify:last', { name: 'other.clan-design.json' })).report).toBeNull();
  });
  test('refuses: next to a running deploy, next to another verify, without a VPN, for an unsaved design', async () => {
    const machines = yggdrasilMachines();
    const { backend } = setup(machines);
    const design = family();
    expect(await backend.dispatch('verify:start', { name: 'family.clan-design.json', design, hostKeys: 'strict' })).toMatchObject({ ok: false, error: { code: 'verifyNeedsSavedDesign' } });
    await save(backend, design);
    expect(await backend.dispatch('verify:start', { name: 'family.clan-design.json', design: family(null), hostKeys: 'strict' })).toMatchObject({ ok: false, error: { code: 'verifyNoVpn' } });

    // A deploy (a job of that kind that waits) is running.
    let endDeploy: () => void = () => undefined;
    const deployRuns = new Promise<void>((r) => (endDeploy = r));
    const deploy = backend.services.jobs.start(deployJobKind, {
      forFile: 'family.clan-design.json',
      machines: [],
      report: ({ outcome, startedAt, finishedAt }): DeployReport => ({ kind: 'clan-designer-deploy', version: 1, runId: 'x', startedAt, finishedAt, outcome, way: 'onMachine', vars: { status: 'notNeeded', helper: null, message: '' }, machines: [], nextSteps: [] }),
      run: () => deployRuns,
    });
    expect(deploy.ok).toBe(true);
    expect(await backend.dispatch('verify:start', { name: 'family.clan-design.json', design, hostKeys: 'strict' })).toMatchObject({ ok: false, error: { code: 'verifyBlockedByJob', details: { kind: 'deploy' } } });
    endDeploy();
    await new Promise((r) => setTimeout(r, 20));

    // One verify at a time: the first waits while logging in to vps.
    const held = machines.hold('vps.lan');
    const started = await ask(backend, 'verify:start', { name: 'family.clan-design.json', design, hostKeys: 'strict' });
    expect(await backend.dispatch('verify:start', { name: 'family.clan-design.json', design, hostKeys: 'strict' })).toMatchObject({ ok: false, error: { code: 'verifyAlreadyRunning' } });
    expect((await ask(backend, 'verify:history', { name: 'family.clan-design.json' })).running).toEqual({ jobId: started.jobId });
    held.release();
  });
});
