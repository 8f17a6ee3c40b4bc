import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { appError } from '../../shared/errors';
import { designBuilder } from '../../shared/model/designBuilder';
import { err, ok } from '../../shared/result';
import { serializeDesign } from '../../shared/schema/envelope';
import type { HostKeyPolicy, SshTarget } from '../ssh/sshClient';
import { generateTestKeyPair } from '../ssh/testKeys';
import { runCheckCommand } from './checkCommand';
import { runCli } from './run';

const nixos = (date: number) =>
  `os_id=nixos\nos_version=24.11\nuname_m=x86_64\nnixos_marker=1\nnix_version=nix (Nix) 2.24.0\nnix_features=nix-command flakes\nmem_kb=8000000\ndisk_root_kb=50000000\ntun=1\nuid=0\nsudo=0\nsystemd_run=1\ndate=${date}\nend=1\n`;

function files(withDebian: boolean, extra: (b: ReturnType<typeof designBuilder>, home: ReturnType<ReturnType<typeof designBuilder>['site']>) => void = () => undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'check-cli-'));
  mkdirSync(join(dir, 'home', '.ssh'), { recursive: true });
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  b.machine('nas', home);
  if (withDebian) b.machine('old', home);
  extra(b, home);
  b.admin(home);
  const design = join(dir, 'd.clan-design.json');
  writeFileSync(design, serializeDesign(b.design, '0.0.0'));
  const key = join(dir, 'id_test');
  writeFileSync(key, generateTestKeyPair().private);
  return { dir, design, key, homeDir: join(dir, 'home') };
}

/** Runs the command with a fake pool; targets are recorded. HOME is a temp folder unless given, and the environment is empty. */
async function run(argv: string[], json = false, options: { homeDir?: string; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const policies: HostKeyPolicy[] = [];
  const targets: SshTarget[] = [];
  const code = await runCheckCommand(json ? [...argv, '--json'] : argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {
    homeDir: options.homeDir ?? mkdtempSync(join(tmpdir(), 'check-cli-home-')),
    env: options.env ?? {},
    createPool: (poolOptions) => {
      policies.push(poolOptions.hostKeyPolicy);
      return {
        dispose: () => undefined,
        exec: async (target) => {
          targets.push(target);
          // Like the real pool: a key that stays locked cannot log in.
          const locked = target.auth?.find((m) => m.type === 'lockedKey');
          if (locked?.type === 'lockedKey') {
            const outcome = await locked.unlock(new AbortController().signal);
            if (!outcome.ok) return err(appError('sshKeyPassphraseNeeded', { host: target.host, port: 22, username: target.username, keyPaths: [locked.label], reason: outcome.reason }));
          }
          const now = Math.round(Date.now() / 1000);
          if (target.host === 'old.lan') return ok({ code: 0, signal: null, stdout: nixos(now).replace('os_id=nixos', 'os_id=debian').replace('nixos_marker=1', 'nixos_marker=0'), stderr: '' });
          if (target.host === 'gone.lan') return err(appError('sshHostUnreachable', { host: target.host, port: 22, reason: 'ECONNREFUSED' }));
          return ok({ code: 0, signal: null, stdout: nixos(now), stderr: '' });
        },
      };
    },
  });
  return { code, stdout, stderr, policies, targets };
}

describe('clan-designer check', () => {
  test('all machines ready exits 0 and prints each finding', async () => {
    const f = files(false);
    const result = await run([f.design, '--identity', f.key]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nas (root@nas.lan): ok');
    expect(result.stdout).toMatch(/ok {7}nixos/);
    expect(result.policies).toEqual([{ mode: 'strict' }]);
  });

  test('a machine with errors exits 1 and shows the command to copy; --json has the findings', async () => {
    const f = files(true);
    const result = await run([f.design, '--identity', f.key, '--accept-new']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('old (root@old.lan): error');
    expect(result.stdout).toContain('to copy: clan machines install old --target-host root@old.lan');
    expect(result.policies[0]!.mode).toBe('tofu');
    const json = await run([f.design, '--identity', f.key], true);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.machines.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ['nas', 'ok'],
      ['old', 'error'],
    ]);
  });

  test('unusable input exits 2', async () => {
    const f = files(false);
    expect((await run([])).code).toBe(2);
    expect((await run([f.design, '--strict', '--accept-new', '--identity', f.key])).stderr).toContain('contradict');
    expect((await run([f.design, '--concurrency', '0', '--identity', f.key])).code).toBe(2);
    expect((await run([f.design, '--timeout', 'soon', '--identity', f.key])).code).toBe(2);
    expect((await run([join(f.dir, 'missing.json'), '--identity', f.key])).stderr).toContain('it does not exist');
    expect((await run([f.design, '--identity', join(f.dir, 'nokey')])).stderr).toContain('Could not read the identity');
    writeFileSync(join(f.dir, 'other.json'), '{"kind":"something-else"}');
    expect((await run([join(f.dir, 'other.json'), '--identity', f.key])).code).toBe(2);
  });

  test('--ssh-config: a machine address that is an alias gets its HostName, User and Port; the design user wins when set', async () => {
    const f = files(false, (b, home) => b.machine('box', home, 'server', { ssh: { host: 'boxalias', port: 22, user: '' } }));
    const config = join(f.dir, 'ssh_config');
    writeFileSync(config, ['Host boxalias', '  HostName box.lan', '  User admin', '  Port 2222', 'Host nas.lan', '  User ignored'].join('\n'));
    const result = await run([f.design, '--identity', f.key, '--ssh-config', config]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('box (admin@box.lan:2222): ok');
    expect(result.stdout).toContain('nas (root@nas.lan): ok');
    expect(result.targets.map((t) => t.auth?.map((m) => (m.type === 'agent' ? 'agent' : m.label)))).toEqual([[f.key], [f.key]]);
  });

  test('the default ~/.ssh/config and keys of HOME are used, and several --identity keys are tried in order', async () => {
    const f = files(false);
    writeFileSync(join(f.homeDir, '.ssh', 'config'), 'Host nas.lan\n  HostName 10.9.9.9\n');
    writeFileSync(join(f.homeDir, '.ssh', 'id_rsa'), generateTestKeyPair().private);
    const second = join(f.dir, 'second');
    writeFileSync(second, generateTestKeyPair().private);
    const defaults = await run([f.design], false, { homeDir: f.homeDir });
    expect(defaults.stdout).toContain('nas (root@10.9.9.9): ok');
    expect(defaults.targets[0]!.auth?.map((m) => (m.type === 'agent' ? 'agent' : m.label))).toEqual([join(f.homeDir, '.ssh', 'id_rsa')]);
    const picked = await run([f.design, '--identity', f.key, '--identity', second], false, { homeDir: f.homeDir, env: { SSH_AUTH_SOCK: f.key } });
    expect(picked.targets[0]!.auth?.map((m) => (m.type === 'agent' ? 'agent' : m.label))).toEqual(['agent', f.key, second]);
  });

  test('a key with a passphrase is never asked for on the terminal: the machine fails with a message to run ssh-add', async () => {
    const f = files(false);
    const locked = join(f.dir, 'locked');
    writeFileSync(locked, generateTestKeyPair('secret').private);
    const result = await run([f.design, '--identity', locked]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/error {4}auth {8}Couldn't log in to machine “nas\.lan” as “root” with the key .*locked: it is protected by a passphrase and there was no way to ask for it/);
    expect(result.stdout).toContain(`ssh-add ${locked}`);
  });

  test('without an agent or any key each machine says so, and the run still finishes', async () => {
    const f = files(true);
    const result = await run([f.design]);
    expect(result.code).toBe(1);
    expect(result.targets).toEqual([]);
    expect(result.stdout).toContain('nas (root@nas.lan): error');
    expect(result.stdout).toContain('No SSH key could be offered to machine “nas.lan” for user “root”: no ssh-agent is running (SSH_AUTH_SOCK is not set)');
  });

  test('a missing or broken --ssh-config exits 2 with the reason', async () => {
    const f = files(false);
    const missing = await run([f.design, '--identity', f.key, '--ssh-config', join(f.dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Could not read the SSH configuration');
    const broken = join(f.dir, 'broken');
    writeFileSync(broken, 'Host nas.lan\n  IdentitiesOnly perhaps\n');
    writeFileSync(join(f.homeDir, '.ssh', 'config'), 'Include broken-include\n');
    writeFileSync(join(f.homeDir, '.ssh', 'broken-include'), 'Host "unterminated\n');
    const fromFile = await run([f.design, '--identity', f.key, '--ssh-config', broken]);
    expect(fromFile.code).toBe(1); // the file parses; the bad value only matters for the host it applies to
    expect(fromFile.stdout).toContain(`${broken} (line 2) could not be used: IdentitiesOnly must be yes or no`);
    const unparsable = await run([f.design, '--identity', f.key], true, { homeDir: f.homeDir });
    expect(unparsable.code).toBe(2);
    expect(JSON.parse(unparsable.stdout).error).toMatchObject({ code: 'sshConfigInvalid' });
    expect(JSON.parse(unparsable.stdout).error.message).toContain('broken-include could not be used');
  });

  test('it is registered in the main CLI with its help, and its old name "preflight" still runs it', async () => {
    for (const name of ['check', 'preflight']) {
      let stdout = '';
      const code = await runCli([name, '--help'], { stdout: (t) => (stdout += t), stderr: () => undefined });
      expect(code).toBe(0);
      expect(stdout).toContain('clan-designer check <design-file>');
      expect(stdout).toContain('--accept-new');
      expect(stdout).toContain('--ssh-config FILE');
      expect(stdout).toContain('ssh-add');
    }
    let help = '';
    await runCli(['--help'], { stdout: (t) => (help += t), stderr: () => undefined });
    expect(help).toContain('check FILE');
    expect(help).toMatch(/preflight FILE +the old name of check, still accepted/);
  });

  test('the old name "preflight" runs the same command: a missing design file gets the same answer', async () => {
    const answers = [];
    for (const name of ['check', 'preflight']) {
      let stdout = '';
      const code = await runCli(['--json', name], { stdout: (t) => (stdout += t), stderr: () => undefined });
      answers.push({ code, error: JSON.parse(stdout).error });
    }
    expect(answers[0]).toMatchObject({ code: 2, error: { code: 'usage', message: expect.stringContaining('check takes exactly one design file') } });
    expect(answers[1]).toEqual(answers[0]);
  });
});
