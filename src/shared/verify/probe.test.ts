import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeVerifyError } from './errors';
import { parsePingOutput, parseProbeOutput, PROBE_SCRIPT, probeArgv, probeDurationLimitSeconds } from './probe';

// ping summaries as the two pings the machines have print them:
// iputils (Debian 12's 20221126, captured on the build machine with LC_ALL=C ping -n -q -c N -W 1 -i 0.2; the
// error forms from ping/ping_common.c and ping/ping.c), and BusyBox (networking/ping.c, print_stats_and_exit).
const iputils = {
  allReplied: ['PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.', '', '--- 127.0.0.1 ping statistics ---', '3 packets transmitted, 3 received, 0% packet loss, time 410ms', 'rtt min/avg/max/mdev = 0.033/0.054/0.093/0.027 ms'],
  someLost: ['PING 10.142.9.1 (10.142.9.1) 56(84) bytes of data.', '', '--- 10.142.9.1 ping statistics ---', '5 packets transmitted, 3 received, 40% packet loss, time 812ms', 'rtt min/avg/max/mdev = 21.304/24.118/27.905/2.641 ms'],
  noReply: ['PING fd00::1(fd00::1) 56 data bytes', '', '--- fd00::1 ping statistics ---', '2 packets transmitted, 0 received, 100% packet loss, time 201ms', ''],
  icmpErrors: ['PING 10.142.9.1 (10.142.9.1) 56(84) bytes of data.', '', '--- 10.142.9.1 ping statistics ---', '5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 815ms', 'pipe 4'],
  noRoute: ['ping: connect: Network is unreachable'],
  noPermission: ['ping: socktype: SOCK_RAW', 'ping: socket: Operation not permitted', 'ping: => missing cap_net_raw+p capability or setuid?'],
};
const busybox = {
  allReplied: ['PING 10.126.126.1 (10.126.126.1): 56 data bytes', '', '--- 10.126.126.1 ping statistics ---', '5 packets transmitted, 5 packets received, 0% packet loss', 'round-trip min/avg/max = 0.512/0.631/0.904 ms'],
  duplicates: ['PING 10.126.126.1 (10.126.126.1): 56 data bytes', '', '--- 10.126.126.1 ping statistics ---', '5 packets transmitted, 4 packets received, 1 duplicates, 20% packet loss', 'round-trip min/avg/max = 1.104/1.310/1.907 ms'],
  oldNoInterval: ["ping: invalid option -- 'i'", 'BusyBox v1.27.2 (2018-06-06 09:08:44 UTC) multi-call binary.', '', 'Usage: ping [OPTIONS] HOST'],
  noPermission: ['ping: permission denied (are you root?)'],
};

describe('the probe command', () => {
  test('one argv: the fixed script, then the count, the port and the addresses as separate arguments', () => {
    const argv = probeArgv(['10.142.3.7', 'FD5D:BA3C:5C13:8E27:3B99:93A1:B2C3:D4E5', '10.142.3.7'], { count: 3, tcpPort: 22 });
    expect(argv).toEqual({ ok: true, value: ['sh', '-c', PROBE_SCRIPT, 'sh', '3', '22', '10.142.3.7', 'fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5'] });
    expect(probeArgv([])).toEqual({ ok: true, value: ['sh', '-c', PROBE_SCRIPT, 'sh', '5', '0'] });
    // The script is a constant: it never contains an address, it uses "$a" from "$@".
    expect(PROBE_SCRIPT).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
    expect(PROBE_SCRIPT).toContain('for a in "$@"; do');
    expect(probeDurationLimitSeconds({ count: 5, tcpPort: 22 })).toBeGreaterThanOrEqual(4 * 0.2 + 1 + 2);
  });

  test('hostile addresses are refused before anything runs, with a sentence that shows them safely', () => {
    for (const address of ['-c', '--', '-W 1000', '$(x)', '`id`', '10.1.2.3\n', '10.1.2.3; reboot', '10.1.2.3 -f', '', 'host.lan', '[fd00::1]', 'fe80::1%eth0', '999.1.1.1']) {
      const argv = probeArgv(['10.142.3.7', address]);
      expect(argv.ok, JSON.stringify(address)).toBe(false);
      if (argv.ok) continue;
      expect(argv.error.code).toBe('valueRefused');
      const message = describeVerifyError(argv.error);
      expect(message).not.toContain('\n');
      expect(message).toContain('Nothing was run');
    }
    expect(probeArgv(['10.1.2.3'], { count: 0 }).ok).toBe(false);
    expect(probeArgv(['10.1.2.3'], { count: 2.5 }).ok).toBe(false);
    expect(probeArgv(['10.1.2.3'], { count: 21 }).ok).toBe(false);
    expect(probeArgv(['10.1.2.3'], { tcpPort: 70000 }).ok).toBe(false);
    const many = Array.from({ length: 513 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
    const tooMany = probeArgv(many);
    expect(tooMany.ok).toBe(false);
    if (!tooMany.ok) expect(tooMany.error.code).toBe('tooManyTargets');
  });
});

describe("reading ping's summary", () => {
  test('iputils: all replied, some lost, none, ICMP errors, no route, no permission', () => {
    expect(parsePingOutput('127.0.0.1', iputils.allReplied, 0)).toEqual({ address: '127.0.0.1', sent: 3, received: 3, lossPercent: 0, rttMinMs: 0.033, rttAvgMs: 0.054, rttMaxMs: 0.093, problem: null, detail: '' });
    expect(parsePingOutput('10.142.9.1', iputils.someLost, 0)).toMatchObject({ sent: 5, received: 3, lossPercent: 40, rttAvgMs: 24.118, problem: null });
    expect(parsePingOutput('fd00::1', iputils.noReply, 1)).toMatchObject({ sent: 2, received: 0, lossPercent: 100, rttAvgMs: null, problem: null });
    expect(parsePingOutput('10.142.9.1', iputils.icmpErrors, 1)).toMatchObject({ sent: 5, received: 0, lossPercent: 100, problem: 'unreachable' });
    expect(parsePingOutput('10.142.9.1', iputils.noRoute, 2)).toMatchObject({ sent: 0, lossPercent: 100, problem: 'unreachable', detail: 'ping: connect: Network is unreachable' });
    expect(parsePingOutput('10.142.9.1', iputils.noPermission, 2)).toMatchObject({ problem: 'permission', detail: 'ping: socktype: SOCK_RAW' });
  });

  test('BusyBox: its own summary and round-trip line, duplicates, an old BusyBox without -i, no permission', () => {
    expect(parsePingOutput('10.126.126.1', busybox.allReplied, 0)).toMatchObject({ sent: 5, received: 5, lossPercent: 0, rttMinMs: 0.512, rttAvgMs: 0.631, rttMaxMs: 0.904, problem: null });
    expect(parsePingOutput('10.126.126.1', busybox.duplicates, 0)).toMatchObject({ sent: 5, received: 4, lossPercent: 20 });
    expect(parsePingOutput('10.126.126.1', busybox.oldNoInterval, 1)).toMatchObject({ problem: 'badOptions', detail: "ping: invalid option -- 'i'" });
    expect(parsePingOutput('10.126.126.1', busybox.noPermission, 1)).toMatchObject({ problem: 'permission' });
  });

  test('a ping stopped by the time limit, and lines of garbage', () => {
    expect(parsePingOutput('10.1.2.3', ['PING 10.1.2.3 (10.1.2.3) 56(84) bytes of data.'], 124)).toMatchObject({ problem: 'timeout', sent: 0 });
    expect(parsePingOutput('10.1.2.3', ['\u0000\u0001', '99999999999999999999 packets transmitted'], 0)).toMatchObject({ problem: 'noResult', lossPercent: 100 });
  });
});

describe("reading the probe's output", () => {
  const prefixed = (address: string, lines: string[], exit: number) => [...lines.map((l) => `ping ${address} | ${l}`), `ping ${address} exit ${exit}`];

  test('results that finished at the same time interleave by line and still come apart by address', () => {
    const a = prefixed('10.142.3.7', iputils.someLost, 0);
    const b = prefixed('fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5', iputils.allReplied, 0);
    const mixed = ['cnd-probe start 1'];
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) mixed.push(...(a[i] === undefined ? [] : [a[i]!]), ...(b[i] === undefined ? [] : [b[i]!]));
    mixed.push('tcp 10.142.3.7 22 open', 'tcp fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5 22 closed', 'cnd-probe end');
    const report = parseProbeOutput(mixed.join('\r\n'), ['10.142.3.7', 'FD5D:BA3C:5C13:8E27:3B99:93A1:B2C3:D4E5', '10.142.3.8'], { tcpPort: 22 });
    expect(report.complete).toBe(true);
    expect(report.results.map((r) => [r.address, r.received, r.sent, r.problem, r.tcp?.state])).toEqual([
      ['10.142.3.7', 3, 5, null, 'open'],
      ['fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5', 3, 3, null, 'closed'],
      // Asked, never answered: the probe was not cut off, so this is no result, not a loss.
      ['10.142.3.8', 0, 0, 'noResult', undefined],
    ]);
  });

  test('a machine without ping or nc, and a probe cut off in the middle', () => {
    const noPing = parseProbeOutput('cnd-probe start 1\ncnd-probe no-ping\ncnd-probe end\n', ['10.1.2.3']);
    expect(noPing).toMatchObject({ complete: true, pingMissing: true, results: [{ problem: 'pingMissing', lossPercent: 100 }] });
    const noNc = parseProbeOutput(['cnd-probe start 1', 'cnd-probe no-nc', ...prefixed('10.1.2.3', iputils.allReplied, 0), 'cnd-probe end'].join('\n'), ['10.1.2.3'], { tcpPort: 22 });
    expect(noNc.results[0]).toMatchObject({ received: 3, tcp: { port: 22, state: 'ncMissing' } });
    const cut = parseProbeOutput(['cnd-probe start 1', 'ping 10.1.2.3 | PING 10.1.2.3 (10.1.2.3) 56(84) bytes of data.'].join('\n'), ['10.1.2.3']);
    expect(cut).toMatchObject({ complete: false, results: [{ problem: 'noResult' }] });
    expect(parseProbeOutput('', ['10.1.2.3']).results[0]!.problem).toBe('noResult');
  });

  test('hostile output: lines that pretend to be results for other addresses or carry garbage are ignored', () => {
    const out = ['cnd-probe start 1', 'ping $(id) exit 0', 'ping 10.1.2.3; | 5 packets transmitted, 5 received', 'tcp -c 22 open', '\u0000ping 10.1.2.3 exit 0', 'cnd-probe end'].join('\n');
    expect(parseProbeOutput(out, ['10.1.2.3']).results[0]).toMatchObject({ problem: 'noResult', received: 0 });
  });
});

const hasPing = spawnSync('sh', ['-c', 'command -v ping']).status === 0;

describe('the fixed script on this machine', () => {
  test.runIf(hasPing)('pings loopback over IPv4 and IPv6 in parallel and reads back as replied', () => {
    const argv = probeArgv(['127.0.0.1', '::1'], { count: 2 });
    if (!argv.ok) throw new Error('refused');
    const [cmd, ...args] = argv.value;
    const stdout = execFileSync(cmd!, args, { timeout: 20_000 }).toString();
    const report = parseProbeOutput(stdout, ['127.0.0.1', '::1'], { count: 2 });
    expect(report.complete).toBe(true);
    for (const r of report.results) expect(r).toMatchObject({ sent: 2, received: 2, lossPercent: 0, problem: null });
    expect(report.results[0]!.rttAvgMs).toBeGreaterThanOrEqual(0);
  });

  test.runIf(hasPing)('refuses hostile arguments itself when they are passed past the argv builder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnd-probe-'));
    try {
      const marker = join(dir, 'pwned');
      const stdout = execFileSync('sh', ['-c', PROBE_SCRIPT, 'sh', '1', '22', '-c', `$(touch ${marker})`, `127.0.0.1;touch ${marker}`, '127.0.0.1'], { timeout: 20_000 }).toString();
      expect(existsSync(marker)).toBe(false);
      expect(stdout.match(/^cnd-probe refused address$/gm)).toHaveLength(3);
      // The TCP check: open or closed with nc; without nc the probe says so instead of failing.
      const report = parseProbeOutput(stdout, ['127.0.0.1'], { count: 1, tcpPort: 22 });
      expect(report.results[0]).toMatchObject({ received: 1, problem: null });
      const hasNc = spawnSync('sh', ['-c', 'command -v nc']).status === 0;
      expect(report.results[0]!.tcp!.state).toEqual(hasNc ? expect.stringMatching(/^(?:open|closed)$/) : 'ncMissing');
      // A count or port that is not a number stops the script before it pings.
      const badCount = spawnSync('sh', ['-c', PROBE_SCRIPT, 'sh', '1;id', '0', '127.0.0.1'], { timeout: 5_000 });
      expect([badCount.status, badCount.stdout.toString()]).toEqual([2, 'cnd-probe refused count\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.runIf(hasPing)('an address nobody answers is a loss within the time bound, not a hang', () => {
    const started = Date.now();
    const stdout = spawnSync('sh', ['-c', PROBE_SCRIPT, 'sh', '2', '0', 'fd00::1'], { timeout: 20_000 }).stdout.toString();
    expect((Date.now() - started) / 1000).toBeLessThan(probeDurationLimitSeconds({ count: 2 }));
    const r = parseProbeOutput(stdout, ['fd00::1'], { count: 2 }).results[0]!;
    expect(r.received).toBe(0);
    expect(r.lossPercent).toBe(100);
  });
});
