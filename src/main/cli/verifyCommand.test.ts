import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { designBuilder } from '../../shared/model/designBuilder';
import type { Design } from '../../shared/model/types';
import { serializeDesign } from '../../shared/schema/envelope';
import { configuredOverlayAddresses } from '../../shared/verify/discovery';
import { PROBE_SCRIPT } from '../../shared/verify/probe';
import { verifyReportSchema } from '../../shared/verify/schema';
import { ScriptedMachines, storePathOf, TestInterrupts } from './deployTestDoubles';
import { runCli } from './run';
import { runVerifyCommand, type VerifyCommandDeps } from './verifyCommand';

// `clan-designer verify`: the verify job on the command line. The machines are the scripted SSH stand-in of the
// deploy command tests, here answering as NixOS machines running Nebula (a TEST DOUBLE: deployTestDoubles.ts), and
// Ctrl+C a signal the test sends; the job engine, the verify service, discovery, the probe parser, the matrix and
// the history are the app's own. The lab test (test/integration/verify.lab.test.ts) runs it on real overlays.

/** Home with the admin and a NAS, a public cloud machine, and grandma's tablet behind CGNAT reached through the cloud machine. */
function family(vpn: 'nebula' | null = 'nebula'): Design {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const grandma = b.site('Grandma', 'cgnat');
  b.machine('nas', home, 'nas');
  const bastion = b.machine('bastion', cloud, 'vps', { publicAddress: '203.0.113.10' });
  const tablet = b.machine('tablet', grandma, 'sbc');
  b.link('jumpHost', bastion, tablet);
  b.admin(home);
  return vpn === null ? b.design : b.vpn(vpn);
}

function designFile(design: Design = family()): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
  const file = join(dir, 'family.clan-design.json');
  writeFileSync(file, serializeDesign(design, '0.0.0'));
  return { dir, file };
}

/** How the scripted machines answer: which daemons are down, which pings get no reply (from -> to, by host). */
interface Overlay {
  down?: string[];
  lost?: [string, string][];
}

/**
 * TEST DOUBLE: NixOS machines running the design's Nebula, as the verify's commands see them. `systemctl show` tells
 * the unit's state, `ip -j addr show dev nebula.<instance>` the address the configuration gives the machine, and the
 * probe prints iputils' summary for every address it is given (nothing answers a machine whose daemon is down).
 */
function nebulaMachines(design: Design, overlay: Overlay = {}, extra: Record<string, { unreachable?: boolean }> = {}): ScriptedMachines {
  const instance = design.vpn.instance;
  const configured = configuredOverlayAddresses(design);
  const hostOf = (name: string) => `${name}.lan`;
  const nameAt = new Map([...configured].map(([name, c]) => [c.address, name]));
  const down = new Set(overlay.down ?? []);
  const hosts = Object.fromEntries(['nas', 'bastion', 'tablet'].map((m) => [hostOf(m), { system: storePathOf(m, 1), ...extra[m] }]));
  return new ScriptedMachines(hosts, (host, argv) => {
    const me = host.replace(/\.lan$/, '');
    if (argv[0] === 'systemctl' && argv[1] === 'show' && argv.at(-1) === `nebula@${instance}.service`) {
      return { stdout: down.has(me) ? 'LoadState=loaded\nActiveState=inactive\nSubState=dead\n' : 'LoadState=loaded\nActiveState=active\nSubState=running\n' };
    }
    if (argv.join(' ') === `ip -j addr show dev nebula.${instance}`) {
      if (down.has(me)) return { code: 1, stderr: `Device "nebula.${instance}" does not exist.\n` };
      const address = configured.get(me)!.address;
      return { stdout: JSON.stringify([{ ifname: `nebula.${instance}`, flags: ['POINTOPOINT', 'UP'], addr_info: [{ family: 'inet', local: address, prefixlen: 16, scope: 'global' }] }]) };
    }
    if (argv[0] === 'sh' && argv[2] === PROBE_SCRIPT) {
      const count = Number(argv[4]);
      const lines = ['cnd-probe start 1'];
      for (const address of argv.slice(6)) {
        const to = nameAt.get(address)!;
        const answered = !down.has(me) && !down.has(to) && !(overlay.lost ?? []).some(([a, b]) => a === me && b === to);
        lines.push(`ping ${address} | PING ${address} (${address}) 56(84) bytes of data.`);
        lines.push(`ping ${address} | ${count} packets transmitted, ${answered ? count : 0} received, ${answered ? 0 : 100}% packet loss, time 801ms`);
        if (answered) lines.push(`ping ${address} | rtt min/avg/max/mdev = 1.100/2.200/3.300/0.400 ms`);
        lines.push(`ping ${address} exit ${answered ? 0 : 1}`);
      }
      lines.push('cnd-probe end');
      return { stdout: `${lines.join('\n')}\n` };
    }
    return undefined;
  });
}

async function verify(argv: string[], machines: ScriptedMachines, deps: VerifyCommandDeps = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runVerifyCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {
    createSsh: machines.createSsh,
    env: { CLAN_DESIGNER_DATA_DIR: mkdtempSync(join(tmpdir(), 'verify-cli-data-')) },
    homeDir: tmpdir(),
    interrupts: new TestInterrupts(),
    ...deps,
  });
  return { code, stdout, stderr };
}

const until = async (what: string, condition: () => boolean) => {
  for (let i = 0; i < 400 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error(`${what} did not happen`);
};

describe('clan-designer verify', () => {
  test('every pair reached: timestamped progress, the matrix as a table, the summary, the history; exit 0', async () => {
    const design = family();
    const { dir, file } = designFile(design);
    const machines = nebulaMachines(design);
    const result = await verify([file, '--count', '3'], machines);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [progress, summary] = result.stdout.split('\n\n');
    for (const line of progress!.split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S/);
    const text = progress!.split('\n').map((l) => l.slice(21));
    expect(text[0]).toBe('verify started: 3 machines');
    expect(text).toContain('nas: step 1/4 Log in');
    expect(text).toContain('nas: step 3/4 Ping the other machines');
    expect(text).toContain('tablet: overlay running');
    expect(summary).toMatch(/^Verify of .*family\.clan-design\.json over Nebula finished after 0:0\d \(3 pings per pair\)\.$/m);
    expect(result.stdout).toContain('Every ordered pair of the 3 machines: 6 pairs.');
    // Machines by name: bastion, nas, tablet; rows ping columns, a dot on the diagonal.
    expect(result.stdout).toContain(['            1 2 3', '  1 bastion · ✓ ✓', '  2 nas     ✓ · ✓', '  3 tablet  ✓ ✓ ·'].join('\n'));
    expect(result.stdout).toContain('✓ reached  ~ some pings lost  ✗ not reached over the VPN  · not tested');
    expect(result.stdout).toContain('6 of 6 pairs reached; Nebula does not tell the path.');
    expect(result.stdout).not.toContain('Not reached over the VPN:');
    // One probe per machine, each pinging the two others with the count asked for; nothing run as root (Nebula needs none).
    const probes = machines.commands.filter((c) => c.argv[2] === PROBE_SCRIPT);
    expect(probes.map((c) => c.host).sort()).toEqual(['bastion.lan', 'nas.lan', 'tablet.lan']);
    for (const probe of probes) expect(probe.argv.slice(3, 5)).toEqual(['sh', '3']);
    expect(probes.every((p) => p.argv.length === 8)).toBe(true);
    expect(machines.commands.some((c) => c.argv[0] === 'sudo')).toBe(false);
    const kept = /Kept in (.*\/family\.verifies\/([0-9a-z-]+)\/) \(verify\.json, verify\.log\)\./.exec(result.stdout);
    expect(kept![1]).toBe(join(dir, 'family.verifies', kept![2]!, '/'));
    expect(readdirSync(kept![1]!).sort()).toEqual(['verify.json', 'verify.log']);
    const report = verifyReportSchema.parse(JSON.parse(readFileSync(join(kept![1]!, 'verify.json'), 'utf8')));
    expect(report).toMatchObject({ kind: 'clan-designer-verify', outcome: 'finished', vpn: 'nebula', count: 3, tcpPort: null });
    expect(report.matrix!.counts).toMatchObject({ pairs: 6, reached: 6 });
    const log = readFileSync(join(kept![1]!, 'verify.log'), 'utf8');
    expect(log).toContain(`[nas] $ systemctl show -p LoadState -p ActiveState -p SubState nebula@${design.vpn.instance}.service`);
  });

  test('a pair without replies, a stopped daemon and a machine the app cannot log in to: each told apart; exit 1', async () => {
    const design = family();
    const { file } = designFile(design);
    const result = await verify([file], nebulaMachines(design, { down: ['tablet'], lost: [['nas', 'bastion']] }, { bastion: { unreachable: true } }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(['            1 2 3', '  1 bastion · · ·', '  2 nas     ✗ · ✗', '  3 tablet  ✗ ✗ ·'].join('\n'));
    expect(result.stdout).toContain('Not reached over the VPN:');
    expect(result.stdout).toMatch(/ {2}✗ nas -> bastion \(10\.\d+\.\d+\.\d+\): "bastion" did not answer the pings from "nas" over the overlay \(5 of 5 pings lost\)\./);
    expect(result.stdout).toContain('  ✗ nas -> tablet');
    expect(result.stdout).toContain('The Nebula daemon on "tablet" is not running, so "nas" cannot reach it.');
    expect(result.stdout).toContain('Not logged in over SSH (its pairs were not tested; this says nothing about the VPN):');
    expect(result.stdout).toMatch(/ {2}bastion: Couldn't reach/);
    expect(result.stdout).toContain('Overlay state:\n  tablet: The Nebula daemon on "tablet" is not running (nebula@');
    expect(result.stdout).toContain('0 of 6 pairs reached, 4 not reached, 2 not tested because "bastion" could not be reached over SSH.');
  });

  test('--json prints one JSON object: the report with its matrix, each machine, where it is kept; --machines narrows the pairs', async () => {
    const design = family();
    const { dir, file } = designFile(design);
    const result = await verify([file, '--json', '--machines', 'nas,tablet', '--tcp-port', '22'], nebulaMachines(design));
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; runId: string; history: string; tested: number; report: unknown; machines: { name: string; state: string }[] };
    expect(parsed.ok).toBe(true);
    expect(parsed.tested).toBe(2);
    expect(parsed.history).toBe(join(dir, 'family.verifies', parsed.runId, '/'));
    const report = verifyReportSchema.parse(parsed.report);
    expect(report.tcpPort).toBe(22);
    expect(report.matrix!.cells.map((c) => `${c.fromName}>${c.toName}`)).toEqual(['nas>tablet', 'tablet>nas']);
    expect(report.matrix!.planDescription).toBe('Every ordered pair of the 2 selected machines: 2 pairs.');
    expect(parsed.machines.map((m) => [m.name, m.state]).sort()).toEqual([
      ['nas', 'running'],
      ['tablet', 'running'],
    ]);
  });

  test('bad input exits 2; a design without a VPN, or no machine logged in to, exits 3', async () => {
    const design = family();
    const { file } = designFile(design);
    const badCount = await verify([file, '--count', '0'], nebulaMachines(design));
    expect(badCount.code).toBe(2);
    expect(badCount.stderr).toContain('--count must be a whole number from 1 to 20, not "0".');
    expect((await verify([file, '--tcp-port', 'ssh'], nebulaMachines(design))).code).toBe(2);
    expect((await verify([file, '--machines', 'printer'], nebulaMachines(design))).stderr).toContain('The design has no machine named "printer".');

    const noVpn = designFile(family(null));
    const refused = await verify([noVpn.file, '--json'], nebulaMachines(design));
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).error.code).toBe('verifyNoVpn');

    const allDown = await verify([file], nebulaMachines(design, {}, { nas: { unreachable: true }, bastion: { unreachable: true }, tablet: { unreachable: true } }));
    expect(allDown.code).toBe(3);
    expect(allDown.stderr).toContain('No machine could be logged in to over SSH, so no pair was tested.');
  });

  test('Ctrl+C cancels: commands under way stop, no matrix is built; exit 130', async () => {
    const design = family();
    const { file } = designFile(design);
    const machines = nebulaMachines(design);
    const interrupts = new TestInterrupts();
    const held = machines.hold('tablet.lan');
    const run = verify([file], machines, { interrupts });
    await until('tablet waits while logging in', held.waiting);
    interrupts.interrupt();
    const result = await run;
    expect(result.code).toBe(130);
    expect(interrupts.listening).toBe(0);
    expect(result.stdout).toContain('Cancelling the verify: commands running on the machines are stopped.');
    expect(result.stdout).toMatch(/Verify of .* was cancelled after/);
    expect(result.stdout).toContain('No matrix was built');
    expect(machines.commands.some((c) => c.argv[2] === PROBE_SCRIPT)).toBe(false);
  });

  test('it is a command of the CLI, with its help', async () => {
    let stdout = '';
    const code = await runCli(['verify', '--help'], { stdout: (t) => (stdout += t), stderr: () => undefined });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: clan-designer verify <design-file>');
    expect(stdout).toContain('130 cancelled (Ctrl+C)');
    let help = '';
    await runCli(['--help'], { stdout: (t) => (help += t), stderr: () => undefined });
    expect(help).toContain('  verify FILE    prove that every machine reaches every other over the VPN');
  });
});
