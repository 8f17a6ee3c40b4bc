import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeMachine } from './model/ops';
import type { MachineId } from './model/types';
import { evaluateFacts, parseCheckFacts, CHECK_SCRIPT, machineCheckIds, type CheckFinding } from './check';

const machine = makeMachine('mach_1' as MachineId, { name: 'nas', arch: 'x86_64-linux', ssh: { host: 'nas.lan', port: 22, user: 'admin' } });
const now = 1_800_000_000;

const nixosOutput = `os_id=nixos
os_version=24.11
os_name=NixOS 24.11 (Vicuna)
uname_m=x86_64
nixos_marker=1
nixos_version=24.11.20250101.abcdef (Vicuna)
nix_version=nix (Nix) 2.24.10
nix_features=flakes nix-command
mem_kb=8000000
disk_root_kb=50000000
disk_nix_kb=40000000
tun=1
uid=1000
sudo=0
systemd_run=1
date=${now + 3}
end=1
`;

function byId(findings: CheckFinding[]): Record<string, CheckFinding> {
  return Object.fromEntries(findings.map((f) => [f.id, f]));
}
function evaluate(output: string, m = machine) {
  return byId(evaluateFacts(parseCheckFacts(output), m, now));
}
function replace(output: string, key: string, value: string | null): string {
  const lines = output.split('\n').filter((l) => !l.startsWith(`${key}=`));
  if (value !== null) lines.unshift(`${key}=${value}`);
  return lines.join('\n');
}

describe('parseCheckFacts', () => {
  test('reads every key, ignores noise and keeps the first value of a key', () => {
    const facts = parseCheckFacts(`Welcome to the machine!\r\n${nixosOutput}os_id=debian\n`);
    expect(facts).toMatchObject({ osId: 'nixos', osVersion: '24.11', unameMachine: 'x86_64', nixosMarker: true, nixVersion: 'nix (Nix) 2.24.10', memTotalKb: 8_000_000, diskNixFreeKb: 40_000_000, tun: true, uid: 1000, sudo: 0, systemdRun: true, date: now + 3, complete: true });
  });

  test('an output cut short is marked incomplete, and missing facts stay undefined', () => {
    const facts = parseCheckFacts('os_id=debian\nuname_m=x86_64\nsudo=absent\nmem_kb=lots\n');
    expect(facts).toMatchObject({ osId: 'debian', sudo: 'absent', complete: false });
    expect(facts.memTotalKb).toBeUndefined();
    expect(facts.uid).toBeUndefined();
  });

  test('the fixed script runs under sh on this machine and prints every fact', () => {
    const facts = parseCheckFacts(execFileSync('sh', ['-c', CHECK_SCRIPT]).toString());
    expect(facts.complete).toBe(true);
    expect(facts.unameMachine).toBeDefined();
    // /etc/os-release values arrive without their quotes.
    expect(facts.osId).toMatch(/^[a-z]/);
    expect(facts.osName).toBeDefined();
    expect(facts.osName).not.toMatch(/["']/);
    expect(facts.memTotalKb).toBeGreaterThan(0);
    expect(facts.diskRootFreeKb).toBeGreaterThan(0);
    expect(facts.uid).toBe(process.getuid?.());
    expect(Math.abs(facts.date! - Date.now() / 1000)).toBeLessThan(5);
  });
  test.runIf(spawnSync('sh', ['-c', 'command -v nix']).status === 0)('with nix installed, the script reads whether flakes are enabled from nix itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnd-nixconf-'));
    try {
      writeFileSync(join(dir, 'nix.conf'), 'experimental-features = nix-command flakes\n');
      const on = parseCheckFacts(execFileSync('sh', ['-c', CHECK_SCRIPT], { env: { ...process.env, NIX_CONF_DIR: dir } }).toString());
      expect(on.nixFeatures?.split(' ')).toContain('flakes');
      writeFileSync(join(dir, 'nix.conf'), '');
      const off = parseCheckFacts(execFileSync('sh', ['-c', CHECK_SCRIPT], { env: { ...process.env, NIX_CONF_DIR: dir } }).toString());
      expect(off.nixFeatures?.split(' ')).not.toContain('flakes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('evaluateFacts', () => {
  test('a healthy NixOS host is ok on every check, in order', () => {
    const findings = evaluateFacts(parseCheckFacts(nixosOutput), machine, now);
    expect(findings.map((f) => f.id)).toEqual(machineCheckIds.slice(3));
    expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(byId(findings).nixos!.message).toContain('NixOS 24.11');
    expect(byId(findings).root!.message).toContain('without a password');
  });

  test('a Debian host is an error with the install hint; nix and flakes are skipped', () => {
    const debian = replace(replace(replace(replace(replace(nixosOutput, 'os_id', 'debian'), 'os_version', '12'), 'os_name', 'Debian GNU/Linux 12 (bookworm)'), 'nixos_marker', '0'), 'nixos_version', null);
    const noNix = replace(replace(debian, 'nix_version', null), 'nix_features', null);
    const f = evaluate(noNix, { ...machine, ssh: { host: 'nas.lan', port: 2222, user: 'admin' } });
    expect(f.nixos).toMatchObject({ status: 'error', command: 'clan machines install nas --target-host admin@nas.lan --target-host-port 2222' });
    expect(f.nixos!.message).toContain('is not NixOS (it runs Debian GNU/Linux 12 (bookworm))');
    expect(f.nixos!.message).toContain('nixos-anywhere');
    expect(f.nix!.status).toBe('skipped');
    expect(f.flakes!.status).toBe('skipped');
  });

  test('a hostile host name is quoted in the command to copy', () => {
    const f = evaluate(replace(nixosOutput, 'os_id', 'debian').replace('nixos_marker=1', 'nixos_marker=0'), { ...machine, ssh: { host: "x; rm -rf ~'", port: 22, user: 'root' } });
    expect(f.nixos!.command).toBe(`clan machines install nas --target-host 'root@x; rm -rf ~'\\'''`);
  });

  test('flakes off is a warning with the NIX_CONFIG to copy', () => {
    expect(evaluate(replace(nixosOutput, 'nix_features', ''))).toMatchObject({ flakes: { status: 'warning', command: expect.stringContaining('NIX_CONFIG') } });
  });

  test('an architecture other than the design says is an error', () => {
    const f = evaluate(replace(nixosOutput, 'uname_m', 'aarch64'));
    expect(f.arch).toMatchObject({ status: 'error' });
    expect(f.arch!.message).toContain('aarch64-linux');
    expect(f.arch!.message).toContain('the design says x86_64-linux');
  });

  test('low memory is a warning', () => {
    expect(evaluate(replace(nixosOutput, 'mem_kb', '1000000')).memory).toMatchObject({ status: 'warning' });
    expect(evaluate(replace(nixosOutput, 'mem_kb', String(2 * 1024 * 1024 - 100_000))).memory!.status).toBe('ok');
  });

  test('disk: below 10 GB warns, below 5 GB is an error; /nix counts when it exists', () => {
    expect(evaluate(replace(nixosOutput, 'disk_nix_kb', String(8 * 1024 * 1024))).disk).toMatchObject({ status: 'warning' });
    expect(evaluate(replace(nixosOutput, 'disk_nix_kb', String(3 * 1024 * 1024))).disk).toMatchObject({ status: 'error', command: 'sudo nix-collect-garbage -d' });
    const rootOnly = replace(replace(nixosOutput, 'disk_nix_kb', null), 'disk_root_kb', String(3 * 1024 * 1024));
    expect(evaluate(rootOnly).disk!.message).toContain('free on /;');
  });

  test('no /dev/net/tun is an error', () => {
    expect(evaluate(replace(nixosOutput, 'tun', '0')).tun).toMatchObject({ status: 'error' });
  });

  test('root: uid 0 ok, passwordless sudo ok, otherwise an error saying how to fix it', () => {
    expect(evaluate(replace(nixosOutput, 'uid', '0')).root!.status).toBe('ok');
    expect(evaluate(nixosOutput).root!.status).toBe('ok');
    const noSudo = evaluate(replace(nixosOutput, 'sudo', '1')).root!;
    expect(noSudo).toMatchObject({ status: 'error', command: 'visudo -f /etc/sudoers.d/clan-deploy' });
    expect(noSudo.message).toContain('admin ALL=(ALL) NOPASSWD: ALL');
    expect(evaluate(replace(nixosOutput, 'sudo', 'absent')).root!.message).toContain('sudo is not installed');
  });

  test('clock skew over 60 seconds is a warning either way', () => {
    expect(evaluate(replace(nixosOutput, 'date', String(now + 60))).clock!.status).toBe('ok');
    expect(evaluate(replace(nixosOutput, 'date', String(now + 300))).clock).toMatchObject({ status: 'warning', command: 'sudo timedatectl set-ntp true' });
    expect(evaluate(replace(nixosOutput, 'date', String(now - 90))).clock!.message).toContain('90 seconds behind');
  });

  test('missing facts are warnings, never silently ok', () => {
    const f = byId(evaluateFacts(parseCheckFacts('os_id=nixos\n'), machine, now));
    expect(f.memory!.status).toBe('warning');
    expect(f.memory!.message).toContain('did not finish');
  });
});
