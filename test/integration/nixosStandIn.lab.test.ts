import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkMachines, type MachineCheckResult } from '../../src/main/services/checkMachines';
import { uploadFiles } from '../../src/main/services/upload';
import { SshClientPool, type ExecResult, type SshTarget } from '../../src/main/ssh/sshClient';
import { nixPlatformOf } from '../../src/shared/check';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Machine } from '../../src/shared/model/types';
import { generateClan } from '../../src/shared/nix/generate';
import { createLab, shouldRunLab, type LabSpec } from '../lab/lab';
import { useLab } from '../lab/suite';

// The SSH lab's NixOS stand-in hosts (test/lab/nixos.ts) exercised for real through the app's own SSH client and
// upload: sshd, SFTP, sudo and the jump host are real; nix, nix-env, switch-to-configuration, systemd-run, systemctl
// and nixos-version are the lab's test doubles, because NixOS cannot run on the build machines. Every command below
// is the one docs/deploy.md lists, as an argument list.
const runLab = await shouldRunLab();

const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch) as Machine['arch'];

/** Bastion: a plain Debian host as before. alpha: NixOS, flakes off. beta: flakes on. gamma: behind the bastion, no system yet. */
const spec: LabSpec = {
  sites: [
    { name: 'office', nat: false },
    { name: 'home', nat: true },
  ],
  hosts: [
    { name: 'bastion', site: 'office', bastion: true },
    { name: 'alpha', site: 'office', nixos: true },
    { name: 'beta', site: 'office', nixos: { flakes: true } },
    { name: 'gamma', site: 'home', nixos: { initialSystem: false } },
  ],
};

const profile = '/nix/var/nix/profiles/system';
const features = ['--extra-experimental-features', 'nix-command flakes'];
const storePath = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-nixos-system-([a-z]+)-25\.11\.lab\.[0-9a-f]{7}$/;
const buildArgs = (dir: string, machine: string) => ['build', '--no-link', '--print-out-paths', ...features, `path:${dir}#nixosConfigurations."${machine}".config.system.build.toplevel`];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const idOf = (user: string) => execFileSync('id', ['-u', user]).toString().trim();

/** Polls until `check` holds (or fails the test after `ms`). */
async function until(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
  return Date.now() - started;
}

describe.skipIf(!runLab)('the NixOS stand-in hosts of the SSH lab', () => {
  const suite = useLab('nixos', spec);
  const host = (name: string) => suite.lab.host(name);
  const standIn = (name: string) => host(name).nixos!;
  const sudoUser = () => suite.lab.users.sudo.name;

  function pool(options: { keepaliveIntervalMs?: number; keepaliveCountMax?: number } = {}): SshClientPool {
    const created = new SshClientPool({ knownHostsPath: join(suite.work, `known_hosts_${suite.pools.length}`), connectTimeoutMs: 5_000, hostKeyPolicy: { mode: 'tofu', confirm: async () => true }, ...options });
    suite.track(created);
    return created;
  }
  /** The sudo user's target (the plain user's with `plain`); gamma through the bastion. */
  function target(name: string, plain = false): SshTarget {
    const user = plain ? suite.lab.users.plain : suite.lab.users.sudo;
    const self: SshTarget = { host: host(name).address, port: host(name).port, username: user.name, privateKey: user.privateKey };
    return name === 'gamma' ? { ...self, jump: { ...self, host: host('bastion').address, port: host('bastion').port } } : self;
  }
  async function exec(p: SshClientPool, name: string, argv: string[], options: { plain?: boolean; timeoutMs?: number } = {}): Promise<ExecResult> {
    const result = await p.exec(target(name, options.plain), argv, { timeoutMs: options.timeoutMs ?? 10_000 });
    if (!result.ok) throw new Error(`${name}: ${argv.join(' ')}: ${result.error.code}`);
    return result.value;
  }

  function labDesign(description = '') {
    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('office', 'public');
    const home = b.site('home', 'nat');
    const machine = (name: string, site: typeof office, user: string) => b.machine(name, site, 'server', { arch, ssh: { host: host(name).address, port: host(name).port, user } });
    const bastion = machine('bastion', office, suite.lab.users.plain.name);
    machine('alpha', office, sudoUser());
    machine('beta', office, sudoUser());
    b.link('jumpHost', bastion, machine('gamma', home, sudoUser()));
    b.admin(laptop);
    return { ...b.design, meta: { ...b.design.meta, description } };
  }
  /** The app's generated flake for the lab design (its manifest lists every file's SHA-256). */
  function flake(description = ''): { clan: string; files: Record<string, string> } {
    const generated = generateClan(labDesign(description));
    if (!generated.ok) throw new Error(`generate: ${generated.error.code}`);
    return { clan: labDesign().meta.clanName, files: { ...generated.value.files } };
  }
  async function upload(p: SshClientPool, name: string, files: { clan: string; files: Record<string, string> }): Promise<string> {
    const dir = standIn(name).flakeDir(sudoUser(), files.clan);
    const uploaded = await uploadFiles(p, target(name), { remoteDir: dir, files: files.files });
    if (!uploaded.ok) throw new Error(`upload to ${name}: ${uploaded.error.code} ${JSON.stringify(uploaded.error.details)}`);
    return dir;
  }
  async function build(p: SshClientPool, name: string, dir: string): Promise<string> {
    const built = await exec(p, name, ['sudo', '-n', 'nix', ...buildArgs(dir, name)]);
    expect([built.code, built.stderr]).toEqual([0, expect.any(String)]);
    return built.stdout.trim();
  }
  /** The deploy's activate step: profile, then switch-to-configuration boot and switch under systemd-run. */
  async function activate(p: SshClientPool, name: string, system: string, run: string, options: { timeoutMs?: number } = {}): Promise<ExecResult[]> {
    const results = [await exec(p, name, ['sudo', '-n', 'nix-env', '-p', profile, '--set', system])];
    for (const action of ['boot', 'switch']) {
      const argv = ['sudo', '-n', 'systemd-run', '--pipe', '--wait', '--quiet', '--collect', '--no-ask-password', '--service-type=exec', `--unit=cnd-switch-${run}-${action}`, '-E', 'LOCALE_ARCHIVE', '-E', 'NIXOS_INSTALL_BOOTLOADER=0', '--', `${system}/bin/switch-to-configuration`, action];
      results.push(await exec(p, name, argv, options));
    }
    return results;
  }

  test('Check machines sees the stand-ins as NixOS 25.11 with Nix and systemd-run, and the plain host still as Debian', async () => {
    const results = await checkMachines(labDesign(), {
      pool: pool(),
      identityFor: (m) => ({ privateKey: m.ssh!.user === sudoUser() ? suite.lab.users.sudo.privateKey : suite.lab.users.plain.privateKey }),
      concurrency: 4,
      timeoutMs: 10_000,
    });
    const finding = (r: MachineCheckResult, id: string) => r.findings.find((f) => f.id === id)!;
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    const alphaSystem = standIn('alpha').currentSystem()!;
    expect(alphaSystem).toMatch(storePath);
    // nixos-version reads the running system's version, as on NixOS; gamma runs none yet and falls back to the release.
    const version = readFileSync(standIn('alpha').path(`${alphaSystem}/nixos-version`), 'utf8').trim();
    expect(finding(byName.alpha!, 'nixos')).toMatchObject({ status: 'ok', message: `"alpha" runs NixOS ${version} (Xantusia), so it can be updated in place.` });
    expect(finding(byName.gamma!, 'nixos')).toMatchObject({ status: 'ok', message: '"gamma" runs NixOS 25.11 (Xantusia), so it can be updated in place.' });
    for (const name of ['alpha', 'beta', 'gamma']) {
      const r = byName[name]!;
      expect([name, finding(r, 'nix').status, finding(r, 'nix').message, finding(r, 'systemdRun').status, finding(r, 'root').status]).toEqual([name, 'ok', `"${name}" has nix (Nix) 2.31.2.`, 'ok', 'ok']);
    }
    expect([finding(byName.alpha!, 'flakes').status, finding(byName.beta!, 'flakes').status]).toEqual(['warning', 'ok']);
    expect(finding(byName.bastion!, 'nixos').status).toBe('error');
    expect(finding(byName.bastion!, 'nixos').message).toContain('is not NixOS (it runs Debian');
    // The doubles recorded the check's calls on their own host only.
    expect(standIn('alpha').recorded('nix')).toEqual([['--version'], ['--extra-experimental-features', 'nix-command', 'show-config']]);
    expect(standIn('alpha').recorded('nixos-version')).toEqual([[]]);
  });

  test('a flake uploaded with uploadFiles builds to a stand-in system, with the exact argv recorded; the same flake gives the same path', async () => {
    const p = pool();
    const files = flake();
    const dir = await upload(p, 'alpha', files);
    expect(dir).toBe(`/home/${sudoUser()}/.local/share/clan-network-designer/flakes/family`);
    const system = await build(p, 'alpha', dir);
    expect(system).toMatch(storePath);
    expect(storePath.exec(system)![1]).toBe('alpha');
    const last = standIn('alpha').calls().at(-1)!;
    expect(last).toMatchObject({ command: 'nix', argv0: '/usr/local/bin/nix', uid: 0, args: buildArgs(dir, 'alpha'), env: { SUDO_USER: sudoUser() } });
    // The stand-in system holds the doubles the deploy runs from it.
    for (const file of ['bin/switch-to-configuration', 'sw/bin/nix-env']) expect(readFileSync(standIn('alpha').path(`${system}/${file}`), 'utf8')).toContain('TEST DOUBLE');
    expect(readFileSync(standIn('alpha').path(`${system}/machine`), 'utf8')).toBe('alpha\n');
    expect(await build(p, 'alpha', dir)).toBe(system);
    // Like Nix: without the features (off on alpha) it refuses, and it knows only the machines in the flake.
    const plainBuild = await exec(p, 'alpha', ['sudo', '-n', 'nix', 'build', '--no-link', `path:${dir}#nixosConfigurations."alpha".config.system.build.toplevel`]);
    expect([plainBuild.code, plainBuild.stderr]).toEqual([1, "error: experimental Nix feature 'nix-command' is disabled; add '--extra-experimental-features nix-command' to enable it\n"]);
    const unknown = await exec(p, 'alpha', ['sudo', '-n', 'nix', ...buildArgs(dir, 'nas')]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining(`error: flake 'path:${dir}' does not provide attribute`)]);
    // The record keeps every argument byte for byte, whatever it holds.
    const hostile = ['build', '', 'a b', "it's \"quoted\"", '$(touch pwned)', '`id`;rm -rf ~', 'line\nbreak', 'tab\there', '--', '-rf', 'naïve 機械 🔥', '\\back'];
    expect((await exec(p, 'alpha', ['nix', ...hostile], { plain: true })).code).toBe(1);
    expect(standIn('alpha').calls().at(-1)).toMatchObject({ command: 'nix', uid: Number(await idOf(suite.lab.users.plain.name)), args: hostile });
  });

  test('a changed or missing file in the uploaded flake fails the build, naming the file', async () => {
    const p = pool();
    const alpha = standIn('alpha');
    const files = flake();
    const dir = await upload(p, 'alpha', files);
    appendFileSync(alpha.path(`${dir}/machines/alpha/configuration.nix`), '# changed on the machine\n');
    const changed = await exec(p, 'alpha', ['sudo', '-n', 'nix', ...buildArgs(dir, 'alpha')]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toBe('');
    expect(changed.stderr).toMatch(/^error: test double \(nix build\): machines\/alpha\/configuration\.nix in the uploaded flake does not match its manifest \(sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}\)\n$/);
    rmSync(alpha.path(`${dir}/inventory.json`));
    const missing = await exec(p, 'alpha', ['sudo', '-n', 'nix', ...buildArgs(dir, 'alpha')]);
    expect([missing.code, missing.stderr]).toEqual([1, `error: test double (nix build): inventory.json is listed in the manifest but missing from the uploaded flake in '${dir}' (or not a regular file)\n`]);
    await upload(p, 'alpha', files);
    expect(await build(p, 'alpha', dir)).toMatch(storePath);
  });

  test('nix-env and switch-to-configuration move the system profile, the generation counter and /run/current-system; --rollback goes back; only root may', async () => {
    const p = pool();
    const alpha = standIn('alpha');
    const installed = alpha.currentSystem()!;
    expect([alpha.generation(), alpha.generations()]).toEqual([1, [{ generation: 1, system: installed }]]);
    const system = await build(p, 'alpha', await upload(p, 'alpha', flake('second')));
    expect(system).not.toBe(installed);

    const [set, boot, switched] = await activate(p, 'alpha', system, 't4');
    expect([set!.code, boot!.code, switched!.code]).toEqual([0, 0, 0]);
    expect(switched!.stdout).toContain('activating the configuration...\n');
    expect([alpha.generation(), alpha.bootSystem(), alpha.currentSystem()]).toEqual([2, system, system]);
    expect((await exec(p, 'alpha', ['readlink', '/run/current-system'])).stdout).toBe(`${system}\n`);
    const switches = alpha.calls().filter((c) => c.command === 'switch-to-configuration');
    expect(switches.map((c) => [c.argv0, c.uid, c.args, c.env.NIXOS_INSTALL_BOOTLOADER])).toEqual([
      [`${system}/bin/switch-to-configuration`, 0, ['boot'], '0'],
      [`${system}/bin/switch-to-configuration`, 0, ['switch'], '0'],
    ]);
    // Setting the newest generation's system again makes no new generation, as in Nix.
    await exec(p, 'alpha', ['sudo', '-n', 'nix-env', '-p', profile, '--set', system]);
    expect(alpha.generation()).toBe(2);

    const rollback = await exec(p, 'alpha', ['sudo', '-n', 'nix-env', '-p', profile, '--rollback']);
    expect([rollback.code, rollback.stderr, alpha.generation()]).toEqual([0, 'switching profile from version 2 to 1\n', 1]);
    await alpha.setFault({ kind: 'switchTakes', seconds: 0.3 });
    const [, , back] = await activate(p, 'alpha', installed, 't4-back');
    await alpha.clearFaults();
    expect(alpha.sleeps().map((x) => [x.command, x.seconds, x.measuredSeconds >= 0.3])).toEqual([
      ['switch-to-configuration', 0.3, true],
      ['switch-to-configuration', 0.3, true],
    ]);
    expect([back!.code, alpha.currentSystem(), alpha.generation(), alpha.generations().map((g) => g.system)]).toEqual([0, installed, 3, [installed, system, installed]]);

    // The plain user (no sudo) may do none of it.
    const denied = [
      await exec(p, 'alpha', ['nix-env', '-p', profile, '--set', system], { plain: true }),
      await exec(p, 'alpha', [`${system}/bin/switch-to-configuration`, 'switch'], { plain: true }),
      await exec(p, 'alpha', ['systemd-run', '--pipe', '--wait', '--', '/bin/true'], { plain: true }),
    ];
    expect(denied.map((r) => [r.code, r.stderr])).toEqual([
      [1, `error: opening lock file '${profile}.lock': Permission denied\n`],
      [1, 'switch-to-configuration: this program must be run as root (test double)\n'],
      [1, 'Failed to start transient service unit: Interactive authentication required.\n'],
    ]);
    expect(alpha.currentSystem()).toBe(installed);
  });

  test('a systemd-run timer fires after N seconds with no SSH session left, and systemctl stop keeps another from firing', async () => {
    const p = pool();
    const beta = standIn('beta');
    const fired = '/var/lib/cnd-timer-fired';
    const stopped = '/var/lib/cnd-timer-stopped';
    const timer = (unit: string, file: string) => ['sudo', '-n', 'systemd-run', `--unit=${unit}`, '--on-active=1s', '--timer-property=AccuracySec=1s', '--', '/bin/sh', '-c', 'date +%s.%N > "$1"', 'sh', file];
    const armed = Date.now() / 1000;
    const first = await exec(p, 'beta', timer('cnd-rollback-fires', fired));
    expect([first.code, first.stderr]).toEqual([0, 'Running timer as unit: cnd-rollback-fires.timer\nWill run service as unit: cnd-rollback-fires.service\n']);
    expect((await exec(p, 'beta', timer('cnd-rollback-stopped', stopped))).code).toBe(0);
    const isActive = await exec(p, 'beta', ['systemctl', 'is-active', 'cnd-rollback-fires.timer', 'cnd-rollback-fires.service']);
    expect([isActive.code, isActive.stdout]).toEqual([3, 'active\ninactive\n']);
    const stop = await exec(p, 'beta', ['sudo', '-n', 'systemctl', 'stop', 'cnd-rollback-stopped.timer']);
    expect([stop.code, stop.stderr]).toEqual([0, '']);
    const unknown = await exec(p, 'beta', ['sudo', '-n', 'systemctl', 'stop', 'cnd-rollback-none.timer']);
    expect([unknown.code, unknown.stderr]).toEqual([5, 'Failed to stop cnd-rollback-none.timer: Unit cnd-rollback-none.timer not loaded.\n']);
    // No SSH session is left to keep anything alive.
    p.closeAll();

    await until('the timer fired and its service ended', () => beta.units().find((u) => u.name === 'cnd-rollback-fires')?.service === 'exited', 3_000);
    const firedAt = Number(readFileSync(beta.path(fired), 'utf8'));
    expect(firedAt - armed).toBeGreaterThanOrEqual(1);
    expect(firedAt - armed).toBeLessThan(2);
    await sleep(300);
    expect(existsSync(beta.path(stopped))).toBe(false);
    const units = Object.fromEntries(beta.units().map((u) => [u.name, u]));
    expect(units['cnd-rollback-fires']).toMatchObject({ kind: 'timer', timer: 'elapsed', service: 'exited', result: 'success', command: ['/bin/sh', '-c', 'date +%s.%N > "$1"', 'sh', fired] });
    expect(units['cnd-rollback-stopped']).toMatchObject({ kind: 'timer', timer: 'stopped', service: 'inactive' });
    expect(beta.events().map((e) => [e.what, ...e.details])).toEqual([
      ['timer-stopped', 'cnd-rollback-stopped'],
      ['timer-elapsed', 'cnd-rollback-fires'],
    ]);
    const after = await exec(pool(), 'beta', ['systemctl', 'is-active', 'cnd-rollback-stopped.timer']);
    expect([after.code, after.stdout]).toEqual([3, 'inactive\n']);
  });

  test('systemd-run --pipe --wait streams output, passes -E and the exit status, and its command outlives a cut SSH session', async () => {
    const p = pool();
    const beta = standIn('beta');
    const piped = await exec(p, 'beta', [
      'sudo', '-n', 'env', 'FROM_CALLER=given', 'systemd-run', '--pipe', '--wait', '--quiet', '--collect', '--unit=cnd-switch-pipe',
      '-E', 'FROM_CALLER', '-E', 'SET_HERE=set', '-E', 'NOT_SET', '--', '/bin/sh', '-c', 'echo "out $FROM_CALLER $SET_HERE ${NOT_SET-unset} ${SUDO_USER-none}"; echo err >&2; exit 3',
    ]);
    expect(piped).toEqual({ code: 3, signal: null, stdout: 'out given set unset none\n', stderr: 'err\n' });
    const loud = await exec(p, 'beta', ['sudo', '-n', 'systemd-run', '--pipe', '--wait', '--unit=cnd-switch-loud', '--', 'true']);
    expect([loud.code, loud.stdout]).toEqual([0, '']);
    expect(loud.stderr).toMatch(/^Running as unit: cnd-switch-loud\.service\nFinished with result: success\nMain processes terminated with: code=exited, status=0\/SUCCESS\nService runtime: \d+ms\n$/);
    const missing = await exec(p, 'beta', ['sudo', '-n', 'systemd-run', '--pipe', '--wait', '--', 'no-such-program']);
    expect([missing.code, missing.stderr]).toEqual([1, 'systemd-run: Failed to find executable no-such-program: No such file or directory\n']);

    // The app stops a command that runs too long by killing its process group and closing the channel, and a dropped
    // connection ends the session: under systemd-run the command goes on; run directly, it is gone.
    const survived = '/var/lib/cnd-survived';
    const cut = pool();
    const [underSystemdRun, direct] = await Promise.all([
      cut.exec(target('beta'), ['sudo', '-n', 'systemd-run', '--pipe', '--wait', '--quiet', '--unit=cnd-switch-survive', '--', '/bin/sh', '-c', 'echo started; sleep 1.2; echo finished > "$1"', 'sh', survived], { timeoutMs: 600 }),
      cut.exec(target('beta', true), ['/bin/sh', '-c', 'sleep 1.2; echo finished > "$HOME/cnd-not-survived"'], { timeoutMs: 600 }),
    ]);
    expect([underSystemdRun.ok || underSystemdRun.error.code, direct.ok || direct.error.code]).toEqual(['sshCommandTimeout', 'sshCommandTimeout']);
    // The app kills the process groups over a channel of its own; give that a moment before the connection goes.
    await sleep(300);
    cut.closeAll();
    const survivor = () => beta.units().find((u) => u.name === 'cnd-switch-survive');
    await until('the command under systemd-run finished', () => survivor()?.service === 'exited', 3_000);
    expect(readFileSync(beta.path(survived), 'utf8')).toBe('finished\n');
    expect(survivor()).toMatchObject({ result: 'success', stdout: 'started\n' });
    await sleep(200);
    expect(existsSync(beta.path(`/home/${suite.lab.users.plain.name}/cnd-not-survived`))).toBe(false);
  });

  test('the vars helper: clan vars generate writes vars/ and sops/ for every machine with the app\'s age key, and sops --decrypt gives each machine\'s key', async () => {
    const p = pool();
    const beta = standIn('beta');
    const dir = await upload(p, 'beta', flake());
    const before = await build(p, 'beta', dir);
    // Stand-in age keys in age-keygen's format: test data, not keys.
    const ageKey = (c: string) => `# created: 2026-01-01T00:00:00Z\n# public key: age1${c.repeat(58)}\nAGE-SECRET-KEY-1${c.toUpperCase().repeat(58)}\n`;
    const home = beta.homeOf(sudoUser());
    expect((await uploadFiles(p, target('beta'), { remoteDir: home, files: { 'cnd-app.age': ageKey('q'), 'cnd-other.age': ageKey('p') }, mode: 0o600 })).ok).toBe(true);
    const nixRun = (key: string | null, ...args: string[]) => [...(key === null ? [] : ['env', `SOPS_AGE_KEY_FILE=${home}/${key}`]), 'nix', 'run', ...features, ...args];
    const generate = nixRun('cnd-app.age', 'git+https://git.clan.lol/clan/clan-core#clan-cli', '--', 'vars', 'generate', '--flake', dir, '--no-sandbox');
    const generated = await exec(p, 'beta', generate);
    expect([generated.code, generated.stdout.split('\n').filter((l) => l !== '').sort()]).toEqual([0, ['alpha', 'bastion', 'beta', 'gamma'].flatMap((m) => [`[${m}] Updated secret ${m}-age.key`, `[${m}] Updated var state-version/version`]).sort()]);
    expect(beta.calls().at(-1)).toMatchObject({ command: 'nix', uid: Number(await idOf(sudoUser())), args: generate.slice(3), env: { SOPS_AGE_KEY_FILE: `${home}/cnd-app.age` } });
    const secret = (m: string) => readFileSync(beta.path(`${dir}/sops/secrets/${m}-age.key/secret`), 'utf8');
    const secrets = ['alpha', 'bastion', 'beta', 'gamma'].map(secret);
    for (const [i, m] of ['alpha', 'bastion', 'beta', 'gamma'].entries()) {
      expect(readFileSync(beta.path(`${dir}/vars/per-machine/${m}/state-version/version/value`), 'utf8')).toBe('25.11\n');
      expect(JSON.parse(secrets[i]!).sops.age[0].recipient).toBe(`age1${'q'.repeat(58)}`);
    }
    // Like clan: what exists is kept.
    expect((await exec(p, 'beta', generate)).stdout).toBe('');
    expect(['alpha', 'bastion', 'beta', 'gamma'].map(secret)).toEqual(secrets);

    const decrypt = (key: string | null, m: string) => exec(p, 'beta', nixRun(key, 'nixpkgs#sops', '--', '--decrypt', `${dir}/sops/secrets/${m}-age.key/secret`));
    const keys: string[] = [];
    for (const m of ['alpha', 'gamma']) {
      const first = await decrypt('cnd-app.age', m);
      expect([first.code, first.stdout]).toEqual([0, expect.stringMatching(/^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\n$/)]);
      expect((await decrypt('cnd-app.age', m)).stdout).toBe(first.stdout);
      keys.push(first.stdout);
    }
    expect(keys[0]).not.toBe(keys[1]);
    const otherKey = await decrypt('cnd-other.age', 'alpha');
    expect([otherKey.code, otherKey.stderr]).toEqual([1, expect.stringContaining('Failed to get the data key required to decrypt the SOPS file.')]);
    const noKey = await exec(p, 'beta', nixRun(null, 'git+https://git.clan.lol/clan/clan-core#clan-cli', '--', 'vars', 'generate', '--flake', dir));
    expect([noKey.code, noKey.stderr]).toEqual([1, 'clan: SOPS_AGE_KEY_FILE is not set, so no age key can decrypt the secrets (test double)\n']);
    // vars/ and sops/ are part of the flake, so the system built from it changes, as with Nix.
    expect(await build(p, 'beta', dir)).not.toBe(before);
  });

  test('build fault switches: the build fails with a clear message, hangs until killed, or takes a known time', async () => {
    const p = pool();
    const beta = standIn('beta');
    const dir = await upload(p, 'beta', flake());
    const argv = ['sudo', '-n', 'nix', ...buildArgs(dir, 'beta')];
    try {
      await beta.setFault({ kind: 'buildFails', message: 'evaluation aborted: the lab says no' });
      const failed = await exec(p, 'beta', argv);
      expect([failed.code, failed.stdout]).toEqual([1, '']);
      expect(failed.stderr).toMatch(/^error: builder for '\/nix\/store\/[0-9a-df-np-sv-z]{32}-nixos-system-beta-25\.11\.lab\.[0-9a-f]{7}\.drv' failed with exit code 1;\n/);
      expect(failed.stderr).toContain('> evaluation aborted: the lab says no\n');

      await beta.setFault({ kind: 'buildHangs', seconds: 30 });
      const started = Date.now();
      const hung = await p.exec(target('beta'), argv, { timeoutMs: 1_000 });
      expect(hung.ok || hung.error.code).toBe('sshCommandTimeout');
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(beta.events().filter((e) => e.what === 'build-hangs')).toHaveLength(1);

      await beta.setFault({ kind: 'buildTakes', seconds: 1.2 });
      const slowStart = Date.now();
      const slow = await exec(p, 'beta', argv);
      const wall = (Date.now() - slowStart) / 1000;
      expect(slow.code).toBe(0);
      expect(wall).toBeGreaterThanOrEqual(1.2);
      expect(wall).toBeLessThan(2.2);
      const [own] = beta.sleeps();
      expect(own).toMatchObject({ command: 'nix', seconds: 1.2 });
      expect(own!.measuredSeconds).toBeGreaterThanOrEqual(1.2);
      expect(own!.measuredSeconds).toBeLessThan(wall);
    } finally {
      await beta.clearFaults();
    }
    // All three calls arrived with the same argv; after clearFaults the build is quick again.
    expect(beta.recorded('nix').slice(-3)).toEqual([argv.slice(3), argv.slice(3), argv.slice(3)]);
    const quick = Date.now();
    expect(await build(p, 'beta', dir)).toMatch(storePath);
    expect(Date.now() - quick).toBeLessThan(1_000);
  });

  test('the disk fills during upload: the upload fails on a file, and works again once the fault is cleared', async () => {
    const p = pool();
    const alpha = standIn('alpha');
    const files = flake();
    const dir = alpha.flakeDir(sudoUser(), files.clan);
    try {
      // tmpfs gives every file at least one 4 KiB page: three fit, the flake has more.
      await alpha.setFault({ kind: 'diskFull', user: sudoUser(), clan: files.clan, bytes: 12_288 });
      expect(Object.keys(files.files).length).toBeGreaterThan(3);
      const df = await alpha.exec(['df', '--output=fstype,size', dir]);
      expect(df.stdout).toMatch(/\ntmpfs\s+12\n$/);
      const full = await uploadFiles(p, target('alpha'), { remoteDir: dir, files: files.files });
      expect(full).toMatchObject({ ok: false, error: { code: 'uploadFailed', details: { operation: 'write' } } });
      expect(Object.keys(files.files)).toContain(!full.ok && full.error.details?.path);
    } finally {
      await alpha.clearFaults();
    }
    expect((await alpha.exec(['findmnt', '--noheadings', dir])).stdout).toBe('');
    expect((await uploadFiles(p, target('alpha'), { remoteDir: dir, files: files.files })).ok).toBe(true);
  });

  test('the link drops right after the switch to a new system, and the watchdog on the machine rolls back and heals it (through the jump host)', async () => {
    const gamma = standIn('gamma');
    expect([gamma.currentSystem(), gamma.generation()]).toEqual([null, null]);
    const p = pool({ keepaliveIntervalMs: 300, keepaliveCountMax: 2 });
    const first = await build(p, 'gamma', await upload(p, 'gamma', flake()));
    expect((await activate(p, 'gamma', first, 'first')).map((r) => r.code)).toEqual([0, 0, 0]);
    expect([gamma.currentSystem(), gamma.generation()]).toEqual([first, 1]);

    const second = await build(p, 'gamma', await upload(p, 'gamma', flake('cuts the admin off')));
    await gamma.setFault({ kind: 'linkDropsOnSwitch' });
    try {
      // The watchdog exactly as docs/deploy.md arms it: back to the previous system unless stopped in time.
      const watchdog = ['sudo', '-n', 'systemd-run', '--unit=cnd-rollback-link', '--on-active=3s', '--timer-property=AccuracySec=1s', '--', '/bin/sh', '-c', '"$1/sw/bin/nix-env" -p /nix/var/nix/profiles/system --set "$1" && exec "$1/bin/switch-to-configuration" switch', 'sh', first];
      expect((await exec(p, 'gamma', watchdog)).code).toBe(0);
      await exec(p, 'gamma', ['sudo', '-n', 'nix-env', '-p', profile, '--set', second]);
      const switched = await p.exec(target('gamma'), ['sudo', '-n', 'systemd-run', '--pipe', '--wait', '--quiet', '--unit=cnd-switch-link', '--', `${second}/bin/switch-to-configuration`, 'switch'], { timeoutMs: 3_000 });
      expect(switched.ok).toBe(false);
      expect(gamma.events().find((e) => e.what === 'link-down')?.details).toEqual([second, first]);
      expect([await gamma.isLinkUp(), gamma.currentSystem()]).toEqual([false, second]);

      await until('the watchdog healed the link', () => gamma.events().some((e) => e.what === 'link-up'), 5_000);
      expect(await gamma.isLinkUp()).toBe(true);
      const again = await exec(pool(), 'gamma', ['readlink', '/run/current-system']);
      expect(again.stdout).toBe(`${first}\n`);
      expect([gamma.currentSystem(), gamma.generation(), gamma.generations().map((g) => g.system)]).toEqual([first, 3, [first, second, first]]);
      expect(gamma.units().find((u) => u.name === 'cnd-rollback-link')).toMatchObject({ timer: 'elapsed', service: 'exited', result: 'success' });
      expect(gamma.calls().filter((c) => c.command === 'switch-to-configuration').map((c) => c.argv0).at(-1)).toBe(`${first}/bin/switch-to-configuration`);
      expect(gamma.events().find((e) => e.what === 'link-up')?.details).toEqual([first]);
    } finally {
      await gamma.clearFaults();
    }
  });

  test('hosts do not see each other\'s files, and this computer keeps its own', async () => {
    const p = pool();
    const plain = suite.lab.users.plain.name;
    const mark = `cnd-mine-${Date.now()}`;
    expect((await exec(p, 'alpha', ['sh', '-c', 'echo alpha > "$HOME/$1"', 'sh', mark], { plain: true })).code).toBe(0);
    expect(readFileSync(standIn('alpha').path(`/home/${plain}/${mark}`), 'utf8')).toBe('alpha\n');
    for (const name of ['beta', 'gamma', 'bastion']) expect([name, (await exec(p, name, ['test', '-e', `/home/${plain}/${mark}`], { plain: true })).code]).toEqual([name, 1]);
    expect(existsSync(`/home/${plain}/${mark}`)).toBe(false);
    const osId = async (name: string) => (await exec(p, name, ['sh', '-c', '. /etc/os-release && echo "$ID"'])).stdout;
    expect([await osId('alpha'), await osId('bastion')]).toEqual(['nixos\n', 'debian\n']);
    const which = async (name: string) => (await exec(p, name, ['sh', '-c', 'for c in nix systemd-run; do command -v "$c"; done'])).stdout;
    expect(await which('alpha')).toBe('/usr/local/bin/nix\n/usr/local/bin/systemd-run\n');
    expect(await which('bastion')).not.toContain('/usr/local/bin/');
    const systems = (name: string) => readdirSync(standIn(name).path('/nix/store')).filter((e) => !e.startsWith('.'));
    expect(systems('alpha').some((s) => systems('beta').includes(s))).toBe(false);
    expect(standIn('beta').calls().some((c) => c.args.some((a) => a.includes('nixos-system-alpha')))).toBe(false);
    // Nothing of the stand-ins is mounted in this computer's own mount namespace.
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/cnd-lab|\/\.lab\//);
  });

  test('a stand-in that crashes boots again with a fresh /run and the profile\'s system, and its mounts and processes go with its lab', async () => {
    const lab = await createLab({ prefix: 'cndn', sites: [{ name: 'cloud' }], hosts: [{ name: 'solo', site: 'cloud', nixos: true }] });
    const solo = lab.host('solo');
    let mountNamespace = '';
    try {
      const p = pool();
      const at = { host: solo.address, port: solo.port, username: lab.users.sudo.name, privateKey: lab.users.sudo.privateKey };
      const run = async (argv: string[]) => {
        const result = await p.exec(at, argv, { timeoutMs: 10_000 });
        if (!result.ok) throw new Error(result.error.code);
        return result.value;
      };
      const installed = solo.nixos!.currentSystem();
      expect((await run(['sudo', '-n', 'systemd-run', '--unit=cnd-rollback-crash', '--on-active=60s', '--', '/bin/true'])).code).toBe(0);
      expect(solo.nixos!.units().map((u) => u.name)).toEqual(['cnd-rollback-crash']);
      const before = solo.nixos!.pid!;
      mountNamespace = readlinkSync(`/proc/${before}/ns/mnt`);
      expect(mountNamespace).not.toBe(readlinkSync('/proc/self/ns/mnt'));

      await solo.stopSshd({ killSessions: true });
      expect(solo.nixos!.pid).toBeUndefined();
      await solo.startSshd();
      p.closeAll();
      expect(solo.nixos!.pid).not.toBe(before);
      expect((await run(['readlink', '/run/current-system'])).stdout).toBe(`${installed}\n`);
      expect(solo.nixos!.units()).toEqual([]);
      expect((await run(['sh', '-c', '. /etc/os-release && echo "$PRETTY_NAME"'])).stdout).toBe("NixOS 25.11 (Xantusia), the SSH lab's stand-in (test double, not NixOS)\n");
      mountNamespace = readlinkSync(`/proc/${solo.nixos!.pid!}/ns/mnt`);
    } finally {
      await lab.destroy();
    }
    // No process is left in the stand-in's mount namespace, so its mounts are gone; nor its folder or record.
    const inNamespace = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .filter((pid) => {
        try {
          return readlinkSync(`/proc/${pid}/ns/mnt`) === mountNamespace;
        } catch {
          return false;
        }
      });
    expect(inNamespace).toEqual([]);
    expect([existsSync(lab.dir), existsSync(`${lab.dir}.json`)]).toEqual([false, false]);
    // The lab of this file still has stand-ins, so the /nix mount point stays for it.
    expect(existsSync('/nix')).toBe(true);
  });
});
