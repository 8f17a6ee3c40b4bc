import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createBackend, type Backend } from '../../src/main/rpc/createBackend';
import { SshClientPool } from '../../src/main/ssh/sshClient';
import { buildArgv, decryptMachineKeyArgv, disarmArgv, remoteFlakeDir, removeFileArgv, setProfileArgv, switchArgv, varsGenerateArgv, watchdogArgv } from '../../src/shared/deploy/commands';
import type { DeployReport } from '../../src/shared/deploy/report';
import { nixPlatformOf } from '../../src/shared/check';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Design, Machine, MachineId } from '../../src/shared/model/types';
import { recordJob } from '../jobRecording';
import { ODD_HOME, shouldRunLab, type LabSpec } from '../lab/lab';
import { useLab } from '../lab/suite';

// The corpus: hostile names and paths on the way to the machines. Two NixOS stand-in hosts (a public one and one
// behind it in a NATed home) are deployed as a user whose home folder is a hostile path (spaces, quotes, $(...),
// backticks, ;, &, and #, ? and % that a flake URL gives meaning to; test/lab/lab.ts), with a clan name and machine
// names that look like options and program names. The NixOS-only programs are the lab's test doubles
// (test/lab/nixos), which record their argument lists byte for byte: every one must be exactly what the app's command
// builders make, and no shell anywhere may have run a part of a value (that would leave files named cnd-pwned*).
// Then design values that are hostile outright must be refused before any machine is contacted.
const runLab = await shouldRunLab();
const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : 'x86_64') as Machine['arch'];

const spec: LabSpec = {
  sites: [
    { name: 'office', nat: false },
    { name: 'home', nat: true },
  ],
  hosts: [
    { name: 'gate', site: 'office', bastion: true, nixos: true },
    { name: 'inner', site: 'home', nixos: true },
  ],
};

/** Names the design accepts that look like options and programs to anything that would parse them. */
const CLAN = '--flake';
const NAMES = { gate: 'switch-to-configuration', inner: '0-rf' } as const;
const CONFIRM_SECONDS = 6;

describe.skipIf(!runLab)('deploy corpus: hostile names and paths reach the machines only as exact arguments', () => {
  const suite = useLab('deploycorpus', spec);
  const host = (name: string) => suite.lab.host(name);
  const standIn = (name: string) => host(name).nixos!;
  const odd = () => suite.lab.users.odd;

  function corpusDesign(): { design: Design; ids: Record<keyof typeof NAMES, MachineId> } {
    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('Office', 'public');
    const home = b.site('Home', 'nat');
    const ssh = (name: keyof typeof NAMES) => ({ host: host(name).address, port: host(name).port, user: odd().name });
    const gate = b.machine(NAMES.gate, office, 'server', { arch, ssh: ssh('gate'), publicAddress: host('gate').address });
    const inner = b.machine(NAMES.inner, home, 'server', { arch, ssh: ssh('inner'), publicAddress: null });
    b.link('jumpHost', gate, inner);
    b.admin(laptop);
    const withVpn = b.vpn('nebula');
    return {
      design: { ...withVpn, meta: { ...withVpn.meta, clanName: CLAN }, vpn: { ...withVpn.vpn, roles: { [gate]: ['lighthouse'], [inner]: ['peer'] } }, deploy: { ...withVpn.deploy, varsHelper: gate } },
      ids: { gate, inner },
    };
  }

  function makeBackend(): { backend: Backend; workspace: string } {
    const workspace = mkdtempSync(join(tmpdir(), 'cnd-corpus-ws-'));
    const dataDir = join(suite.work, 'data');
    mkdirSync(dataDir, { recursive: true });
    const knownHosts = join(suite.work, 'known_hosts');
    const backend = createBackend({
      mode: 'serve',
      log: () => undefined,
      workspaceDir: workspace,
      dataDir,
      createMachineSsh: () => {
        const pool = new SshClientPool({ knownHostsPath: knownHosts, connectTimeoutMs: 5_000, hostKeyPolicy: { mode: 'tofu', confirm: async () => true } });
        suite.track(pool);
        return { pool, knownHostsPath: knownHosts, identityFor: () => ({ privateKey: odd().privateKey }) };
      },
      deploy: { hasLocalClan: async () => false, confirmSeconds: CONFIRM_SECONDS, timeouts: { retryEvery: 300, rollbackGrace: 1_000, afterRollback: 20_000, build: 20_000 } },
    });
    return { backend, workspace };
  }

  async function deploy(backend: Backend, design: Design): Promise<{ started: Awaited<ReturnType<Backend['dispatch']>>; report: DeployReport | null }> {
    const saved = await backend.dispatch('project:save', { name: 'corpus.clan-design.json', design, overwrite: true });
    if (!saved.ok) return { started: saved, report: null };
    const recording = recordJob(backend, 'deploy');
    try {
      const started = await backend.dispatch('deploy:start', { name: 'corpus.clan-design.json', design, hostKeys: 'ask' });
      return { started, report: started.ok ? await recording.done : null };
    } finally {
      recording.stop();
    }
  }

  /** Files a shell would have made by running a part of the home folder's name, anywhere a command could run. */
  async function canaries(): Promise<string> {
    const found: string[] = [];
    for (const name of ['gate', 'inner']) {
      const listed = await standIn(name).exec(['find', '/home', '/tmp', '/root', '/', '-xdev', '-maxdepth', '3', '-name', 'cnd-pwned*']);
      found.push(listed.stdout.trim());
    }
    return found.filter((f) => f !== '').join('\n');
  }

  test('a deploy as a user whose home is a hostile path, with option-like clan and machine names: every double got exactly the builders\' argv', async () => {
    const { backend } = makeBackend();
    const { design } = corpusDesign();
    const { started, report } = await deploy(backend, design);
    expect(started.ok ? null : started.error).toBeNull();
    expect(report!.vars).toMatchObject({ status: 'made', helper: NAMES.gate });
    expect(Object.fromEntries(report!.machines.map((m) => [m.name, m.status]))).toEqual({ [NAMES.gate]: 'deployed', [NAMES.inner]: 'deployed' });

    const dir = remoteFlakeDir(ODD_HOME, CLAN);
    expect(dir).toBe(`${ODD_HOME}/.local/share/clan-network-designer/flakes/--flake`);
    const runId = report!.runId.slice(-6);
    for (const [labName, name] of Object.entries(NAMES) as [keyof typeof NAMES, string][]) {
      const s = standIn(labName);
      expect(s.homeOf(odd().name)).toBe(ODD_HOME);
      const m = report!.machines.find((x) => x.name === name)!;
      // The flake landed in the hostile folder itself (not in a folder cut at a space or a '#').
      expect(s.path(`${dir}/flake.nix`)).toContain(ODD_HOME);
      expect((await s.exec(['test', '-f', `${dir}/flake.nix`])).code).toBe(0);
      // Exactly the builders' argument lists (recorded without the `sudo -n` in front).
      const builds = s.recorded('nix').filter((a) => a[0] === 'build');
      expect(builds).toEqual([buildArgv(0, dir, name).slice(1)]);
      expect(s.recorded('nix-env')).toEqual([setProfileArgv(0, m.system!).slice(1)]);
      expect(s.recorded('systemd-run')).toEqual([watchdogArgv(0, runId, CONFIRM_SECONDS, m.previousSystem!).slice(1), switchArgv(0, runId, m.system!, 'boot').slice(1), switchArgv(0, runId, m.system!, 'switch').slice(1)]);
      expect(s.recorded('systemctl')).toEqual([disarmArgv(0, runId).slice(1)]);
      // No argument anywhere holds a piece of the home folder: it is always whole.
      for (const call of s.calls()) {
        for (const arg of call.args) if (arg.includes('cnd odd')) expect(arg).toContain(ODD_HOME);
      }
    }
    // The vars helper: clan vars generate and the key decryption with the key file in the hostile home; the key removed.
    const keyFile = `${ODD_HOME}/.local/share/clan-network-designer/keys/${runId}.txt`;
    const helperNix = standIn('gate').calls().filter((c) => c.command === 'nix' && c.args[0] === 'run');
    expect(helperNix).toHaveLength(3);
    expect(helperNix[0]!.args).toEqual(varsGenerateArgv(keyFile, dir).slice(3));
    expect(helperNix.map((c) => c.env.SOPS_AGE_KEY_FILE)).toEqual([keyFile, keyFile, keyFile]);
    expect(new Set(helperNix.slice(1).map((c) => c.args.join('\0')))).toEqual(new Set([NAMES.inner, NAMES.gate].map((n) => decryptMachineKeyArgv(keyFile, dir, n).slice(3).join('\0'))));
    expect((await standIn('gate').exec(['test', '-e', keyFile])).code).not.toBe(0);
    expect(removeFileArgv(keyFile)).toEqual(['rm', '-f', '--', keyFile]);
    expect(await canaries()).toBe('');
  }, 120_000);

  // Each hostile value goes into the one field it targets; the design is refused (it cannot be generated, or the
  // machine is blocked) before any connection, so the doubles record nothing and no file appears.
  const hostile: { field: string; change: (design: Design, ids: Record<keyof typeof NAMES, MachineId>) => Design }[] = [
    { field: 'machine name with $(...)', change: (d, ids) => rename(d, ids.inner, 'x$(touch cnd-pwned)') },
    { field: 'machine name that is an ssh option', change: (d, ids) => rename(d, ids.inner, '-oProxyCommand=touch cnd-pwned') },
    { field: 'machine name with a quote and ;', change: (d, ids) => rename(d, ids.inner, `x";touch cnd-pwned;"`) },
    { field: 'machine name with a newline', change: (d, ids) => rename(d, ids.inner, 'x\ntouch cnd-pwned') },
    { field: 'clan name with ; and a space', change: (d) => ({ ...d, meta: { ...d.meta, clanName: 'x; touch cnd-pwned' } }) },
    { field: 'clan name with ../', change: (d) => ({ ...d, meta: { ...d.meta, clanName: '../../../tmp/cnd-pwned' } }) },
    { field: 'ssh user with $(...)', change: (d, ids) => withSsh(d, ids.inner, { user: 'root$(touch cnd-pwned)' }) },
    { field: 'ssh host that is an ssh option', change: (d, ids) => withSsh(d, ids.inner, { host: '-oProxyCommand=touch cnd-pwned' }) },
    { field: 'ssh host with ;', change: (d, ids) => withSsh(d, ids.inner, { host: `${host('inner').address};touch cnd-pwned` }) },
  ];

  test.each(hostile)('a hostile $field is refused before any machine is contacted', async ({ change }) => {
    const { backend } = makeBackend();
    const { design, ids } = corpusDesign();
    const callsBefore = ['gate', 'inner'].map((n) => standIn(n).calls().length);
    const changed = change(design, ids);
    const { started, report } = await deploy(backend, changed);
    if (started.ok) {
      // Started: then the machine with the hostile value must have been blocked or failed to connect, never run.
      const target = report!.machines.find((m) => m.machineId === ids.inner)!;
      expect(['skipped', 'failed']).toContain(target.status);
      expect(['gate', 'inner'].map((n) => standIn(n).calls().filter((c) => c.args.some((a) => a.includes('cnd-pwned'))).length)).toEqual([0, 0]);
    } else {
      expect(['generateFailed', 'invalidDesign', 'invalidRequest']).toContain(started.error.code);
      expect(['gate', 'inner'].map((n) => standIn(n).calls().length)).toEqual(callsBefore);
    }
    expect(await canaries()).toBe('');
  }, 60_000);

  function rename(design: Design, id: MachineId, name: string): Design {
    return { ...design, machines: { ...design.machines, [id]: { ...design.machines[id]!, name } } };
  }
  function withSsh(design: Design, id: MachineId, patch: Partial<NonNullable<Machine['ssh']>>): Design {
    const machine = design.machines[id]!;
    return { ...design, machines: { ...design.machines, [id]: { ...machine, ssh: { ...machine.ssh!, ...patch } } } };
  }
});
