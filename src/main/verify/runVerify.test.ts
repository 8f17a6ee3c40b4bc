import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { VerifyProgress } from '../../shared/ipc/contract';
import { designBuilder } from '../../shared/model/designBuilder';
import type { Design } from '../../shared/model/types';
import { PROBE_SCRIPT } from '../../shared/verify/probe';
import type { VerifyReport } from '../../shared/verify/schema';
import { ScriptedMachines, storePathOf } from '../cli/deployTestDoubles';
import { createBackend } from '../rpc/createBackend';

// A verify of many machines, through the app's own back end (verify service, job engine, runVerify). The machines
// over SSH are the scripted TEST DOUBLE of the deploy command tests, answering as NixOS machines running Yggdrasil,
// each probe taking a moment so that all of them are under way together. What is proved: a dozen probes at once,
// and a second try of all of them, run without Node warning of a listener leak on the job's signal.

const MACHINES = 12;
const names = Array.from({ length: MACHINES }, (_, i) => `m${i + 1}`);
const addressOf = (name: string) => `200:${names.indexOf(name) + 1}::1`;

function manyMachines(): Design {
  const b = designBuilder();
  const cloud = b.site('Cloud', 'public');
  for (const [i, name] of names.entries()) b.machine(name, cloud, 'vps', { publicAddress: `203.0.113.${i + 1}` });
  b.admin(cloud);
  return b.vpn('yggdrasil');
}

/** TEST DOUBLE: Yggdrasil machines whose first pings all go unanswered; `probing.most` is the most probes under way at once. */
function yggdrasilMachines(): { machines: ScriptedMachines; probing: { now: number; most: number } } {
  const probing = { now: 0, most: 0 };
  const tried = new Set<string>();
  const machines = new ScriptedMachines(Object.fromEntries(names.map((n) => [`${n}.lan`, { system: storePathOf(n, 1) }])), async (host, argv) => {
    const me = host.replace(/\.lan$/, '');
    const command = argv[0] === 'sudo' ? argv.slice(2) : [...argv];
    if (command[0] === 'systemctl') return { stdout: 'LoadState=loaded\nActiveState=active\nSubState=running\n' };
    if (command.join(' ') === 'ip -j addr show dev ygg') return { stdout: JSON.stringify([{ ifname: 'ygg', flags: ['UP'], addr_info: [{ local: addressOf(me), prefixlen: 7, scope: 'global' }] }]) };
    if (command.join(' ') === 'yggdrasilctl -json getself') return { stdout: JSON.stringify({ build_name: 'yggdrasil', key: `key-${me}`, address: addressOf(me), subnet: '300::/64' }) };
    if (command[0] !== 'sh' || command[2] !== PROBE_SCRIPT) return undefined;
    const count = Number(command[4]);
    const answered = tried.has(me) ? count : 0;
    tried.add(me);
    probing.now += 1;
    probing.most = Math.max(probing.most, probing.now);
    await new Promise((r) => setTimeout(r, 30));
    probing.now -= 1;
    const lines = command.slice(6).flatMap((a) => [`ping ${a} | ${count} packets transmitted, ${answered} received, ${answered === 0 ? 100 : 0}% packet loss, time 400ms`, `ping ${a} exit ${answered === 0 ? 1 : 0}`]);
    return { stdout: `cnd-probe start 1\n${lines.join('\n')}\ncnd-probe end\n` };
  });
  return { machines, probing };
}

describe('runVerify', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  afterEach(() => {
    process.off('warning', onWarning);
  });

  test(`${MACHINES} probes at once, and their second try, leave Node no listener leak to warn of`, async () => {
    process.on('warning', onWarning);
    const { machines, probing } = yggdrasilMachines();
    const root = mkdtempSync(join(tmpdir(), 'run-verify-'));
    const workspace = join(root, 'designs');
    mkdirSync(workspace);
    const backend = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: workspace, dataDir: join(root, 'data'), createMachineSsh: machines.createSsh, cleanStaleTempFiles: false, verify: { timeouts: { secondTry: 20 } } });
    const design = manyMachines();
    expect((await backend.dispatch('project:save', { name: 'many.clan-design.json', design, overwrite: true })).ok).toBe(true);
    const done = new Promise<VerifyReport>((resolve) =>
      backend.services.events.connect((channel, payload) => {
        const event = payload as VerifyProgress;
        if (channel === 'job:onDidProgress' && event.kind === 'verify' && event.type === 'done') resolve(event.report);
      }),
    );
    expect((await backend.dispatch('verify:start', { name: 'many.clan-design.json', design, hostKeys: 'strict' })).ok).toBe(true);
    const report = await done;
    // Node sends its warnings on the next tick.
    await new Promise((r) => setImmediate(r));

    expect(probing.most).toBe(MACHINES);
    expect(report.matrix?.summary).toMatch(new RegExp(`^${MACHINES * (MACHINES - 1)} of ${MACHINES * (MACHINES - 1)} pairs reached`));
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
