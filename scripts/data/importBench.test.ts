import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { getCell } from '../../src/shared/bench/query';
import { assertNothingSensitive, classifyError, importBench, parseDuration, roundValue, runImportBench, serializeDataset } from './importBench';

// A small synthetic copy of the vpn-bench layout: the no-VPN reference and WireGuard in baseline and low, plus a
// tuned run with the reference only. Error entries carry the kind of text the real ones do (addresses, paths,
// a password), which must never reach the output.

const MAIN = '18.12.2025';
const TUNED = '26.02.2026-optimized';
const ring: [string, string][] = [
  ['lom', 'yuki'],
  ['yuki', 'luna'],
  ['luna', 'lom'],
];
const SECRET_LOG = 'ssh root@138.201.51.119 iperf3 --password hunter2 -c fd1a:d5ce:b608:1::1 in /home/someone/vpn-bench';

let root: string;

function put(path: string, value: unknown): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
}

const meta = (i: number, attempts = 1) => ({ duration_seconds: 31.2, test_attempts: attempts, vpn_restart_attempts: 0, source: ring[i]![0], target: ring[i]![1] });

const iperfTcp = (mbps: number) => ({
  start: {
    timestamp: { timesecs: 1766017295 },
    test_start: { protocol: 'TCP', blksize: 131072 },
    tcp_mss_default: 1368,
    system_info: 'Linux lom 6.12.57 #1-NixOS SMP x86_64',
    version: 'iperf 3.20',
  },
  end: {
    sum_sent: { bits_per_second: mbps * 1e6, retransmits: 4 },
    sum_sent_bidir_reverse: { bits_per_second: mbps * 0.99e6 },
    streams: [{ sender: { sender: true, mean_rtt: 2853 } }, { sender: { sender: false, mean_rtt: 384 } }],
    sender_tcp_congestion: 'cubic',
  },
});

const iperfUdp = (mbps: number) => ({
  start: { timestamp: { timesecs: 1766017395 }, test_start: { protocol: 'UDP', blksize: 1368 } },
  end: {
    sum_sent: { bits_per_second: mbps * 2e6 },
    sum_received: { bits_per_second: mbps * 1e6, lost_percent: 50, jitter_ms: 0.01 },
    cpu_utilization_percent: { host_total: 44.2 },
  },
});

const stats = (average: number, max = average) => ({ min: average, average, max, percentiles: { p25: average, p50: average, p75: average } });

const ping = (rtt: number, loss = 0, lossMax = loss) => ({
  rtt_min_ms: stats(rtt * 0.8),
  rtt_avg_ms: stats(rtt),
  rtt_max_ms: stats(rtt * 2, rtt * 3),
  rtt_mdev_ms: stats(0.03),
  packet_loss_percent: stats(loss, lossMax),
});

const connect = (vpnSeconds: number, publicSeconds: number, started = '2025-12-18T20:02:08.593067+00:00') => ({
  started,
  public_ips: { 'v4.yuki': 'yuki', 'v4.luna': 'luna' },
  public_results: {
    'v4.yuki': { response: 'yuki', time_took: `0:00:${String(publicSeconds).padStart(2, '0')}.000000`, attempt: 2, status: 'success' },
    'v4.luna': { response: 'luna', time_took: '0:00:01.000000', attempt: 1, status: 'success' },
  },
  vpn_ips: { 'vpn.yuki': 'yuki', 'vpn.luna': 'luna' },
  vpn_results: {
    'vpn.yuki': { response: 'yuki', time_took: `0:00:${String(vpnSeconds).padStart(2, '0')}.500000`, attempt: 1, status: 'success' },
    'vpn.luna': { response: 'luna', time_took: '0:00:01.000000', attempt: 1, status: 'success' },
  },
});

const tc = (alias: string) =>
  alias === 'baseline'
    ? { alias, settings: null }
    : { alias, settings: { bandwidth_mbit: null, latency_ms: 4, jitter_ms: 4, packet_loss_percent: 0.5, reorder_percent: 1.0, reorder_correlation: 25.0 } };

const success = (data: unknown, i: number, attempts = 1) => ({ status: 'success', data, meta: meta(i, attempts) });
const cmdError = (i: number, stdout: string, msg?: string) => ({
  status: 'error',
  error_type: 'CmdOut',
  error: { ...(msg === undefined ? {} : { msg }), stdout, stderr: SECRET_LOG, cwd: '/home/someone', command_list: ['ssh', 'root@138.201.51.119'], returncode: msg ? -1 : 1 },
  meta: { ...meta(i), service_logs: SECRET_LOG },
});

function writeSource(): void {
  put(
    'SOURCE.md',
    [
      '- Upstream repository: `Qubasa/vpn-bench` on GitHub.',
      '- Commit used: `86415be7ac611ef924b5afca0b7f1935beee508b`',
      '  (commit date 2026-03-13 18:21 +0100).',
      '- Copied from the repository-relative path `pkgs/webview-ui/app/bench/`.',
      'The `package.json` of the web UI package declares `"license": "MIT"`.',
    ].join('\n'),
  );
  put(`${MAIN}/General/hardware.json`, {
    status: 'success',
    data: {
      machines: ['lom', 'yuki', 'luna'].map((name) => ({
        machine_name: name,
        cpu: { architecture: 'x86_64', vendor_name: 'GenuineIntel', model: 94, cores: 4, siblings: 8, cache_kb: 8192, bogo: 6799.81, features: ['aes'] },
        memory: { total_bytes: 68719476736, total_gb: 64 },
        network_controllers: [{ vendor: '8086', device: '15b7', model: 'Ethernet controller', driver: 'e1000e', unix_device_name: 'eno1' }],
        network_interfaces: [{ model: 'Ethernet', driver: 'e1000e', unix_device_name: 'eno1' }],
      })),
    },
  });
  for (const [folder, ip] of [
    ['Internal', '138.201.1.'],
    ['Wireguard', '192.168.2.'],
  ] as const) {
    put(
      `${MAIN}/${folder}/layout.json`,
      ['lom', 'yuki', 'luna'].map((name, i) => ({ cmachine: { name, flake: { identifier: '/home/someone/vpn-bench' } }, vpn_ip: `${ip}${i + 1}` })),
    );
  }

  for (const [folder, scale] of [
    ['Internal', 1],
    ['Wireguard', 0.9],
  ] as const) {
    for (const profile of ['baseline', 'low_impairment']) {
      const base = `${MAIN}/${folder}/${profile}`;
      const low = profile !== 'baseline';
      put(`${base}/tc_settings.json`, tc(profile));
      ring.forEach(([source], i) => {
        const dir = `${base}/${i}_${source}`;
        put(`${dir}/tcp_iperf3.json`, success(iperfTcp((low ? 100 : 930) * scale + i), i));
        put(
          `${dir}/udp_iperf3.json`,
          i === 1
            ? cmdError(i, '{"start": {}, "error": "unable to read from stream socket: No such file or directory"}')
            : success(iperfUdp(900 * scale), i),
        );
        put(`${dir}/ping.json`, success(low && folder === 'Wireguard' && i === 0 ? ping(5, 33.3333, 100) : ping((low ? 5 : 0.6) + i / 10, low ? 1 : 0), i));
        if (folder === 'Wireguard') {
          put(`${dir}/qperf.json`, {
            status: 'error',
            error_type: 'ClanError',
            error: { msg: 'Unexpected general Exception occured', description: 'list index out of range', location: '/home/someone' },
            meta: meta(i, 3),
          });
        } else {
          put(`${dir}/qperf.json`, success({ total_bandwidth_mbps: stats(880), cpu_usage_percent: stats(11), ttfb_ms: stats(15), conn_time_ms: stats(14) }, i));
        }
        // The reference's third video file is missing, as one file is in the real data.
        if (!(folder === 'Internal' && i === 2)) {
          put(
            `${dir}/rist_stream.json`,
            success(
              {
                encoding: { bitrate_kbps: stats(3348), fps: stats(32), dropped_frames: stats(15) },
                network: { quality: stats(folder === 'Wireguard' ? 13 : 100), rtt_ms: stats(4), bitrate_bps: stats(folder === 'Wireguard' ? 150000 : 3150000), packets_dropped: stats(0), packets_recovered: stats(0) },
              },
              i,
            ),
          );
        }
        put(
          `${dir}/nix_cache.json`,
          low && i === 0 ? cmdError(i, SECRET_LOG, 'Command timed out after 700 seconds') : success({ results: [{ mean: 8.5 + i, stddev: 0.04, times: [8.5, 8.6], exit_codes: [0, 0], command: SECRET_LOG }] }, i),
        );
        if (!low) {
          put(`${dir}/connection_timings.json`, connect(folder === 'Wireguard' ? 6 : 2, 1));
          put(`${dir}/reboot_connection_timings.json`, connect(12, 11));
        } else if (folder === 'Internal') {
          // A later re-run of the reference's connection checks under low impairment: not a profile result.
          put(`${dir}/connection_timings.json`, connect(5, 2, '2025-12-21T00:32:00.000000+00:00'));
        }
      });
      put(`${base}/parallel_tcp_iperf3.json`, {
        status: 'success',
        data: {
          pairs: [
            { source: 'yuki', target: 'luna', result: iperfTcp(465) },
            { source: 'lom', target: 'yuki', result: iperfTcp(468) },
            folder === 'Wireguard'
              ? { source: 'luna', target: 'lom', error_type: 'ClanCmdError', error: `${SECRET_LOG}\niperf3: error - unable to connect to server - server may have stopped running: Connection timed out` }
              : { source: 'luna', target: 'lom', result: iperfTcp(464) },
          ],
        },
        meta: { duration_seconds: 69.9, test_attempts: 1, vpn_restart_attempts: 0 },
      });
    }
  }

  put(`${TUNED}/Internal/baseline/tc_settings.json`, tc('baseline'));
  ring.forEach(([source], i) => {
    const tcp = iperfTcp(934 + i);
    tcp.start.timestamp.timesecs = 1772117516;
    put(`${TUNED}/Internal/baseline/${i}_${source}/tcp_iperf3.json`, success(tcp, i));
  });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bench-source-'));
  writeSource();
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('importBench', () => {
  test('computes per-pair values, mean, min and max in Mbit/s', async () => {
    const { dataset } = await importBench(root);
    const tcp = getCell(dataset, 'none', 'baseline', 'tcp')!;
    expect(tcp.pairs.map((p) => p.pair)).toEqual(['lom→yuki', 'yuki→luna', 'luna→lom']);
    expect(tcp.pairs.map((p) => p.value)).toEqual([930, 931, 932]);
    expect(tcp).toMatchObject({ okPairs: 3, totalPairs: 3, mean: 931, min: 930, max: 932, failures: {}, flags: [] });
    expect(tcp.pairs[0]!.metrics).toEqual({ reverseMbps: 920.7, retransmits: 4, loadedRttMs: 2.853 });
  });

  test('keeps only a failure category for failed pairs, never the error text', async () => {
    const { dataset, text } = await importBench(root);
    const udp = getCell(dataset, 'wireguard', 'baseline', 'udp')!;
    expect(udp.pairs[1]).toEqual({ pair: 'yuki→luna', value: null, failure: 'controlLost' });
    expect(udp).toMatchObject({ okPairs: 2, failures: { controlLost: 1 } });
    expect(udp.flags).toEqual(['partialPairs', 'udpHarnessFailure']);
    for (const leaked of ['138.201', 'hunter2', '/home/', 'fd1a:', 'ssh', 'iperf3 --']) expect(text).not.toContain(leaked);
  });

  test('records timeouts with their limit, retries, unreadable results and missing files', async () => {
    const { dataset } = await importBench(root);
    expect(getCell(dataset, 'none', 'low', 'nixCache')!.pairs[0]).toEqual({ pair: 'lom→yuki', value: null, failure: 'timeout', limitSeconds: 700 });
    expect(getCell(dataset, 'wireguard', 'baseline', 'quic')!.pairs[0]).toEqual({ pair: 'lom→yuki', value: null, failure: 'noResult', attempts: 3 });
    const video = getCell(dataset, 'none', 'baseline', 'video')!;
    expect(video.pairs[2]).toEqual({ pair: 'luna→lom', value: null, failure: 'missing' });
    expect(video.failures).toEqual({ missing: 1 });
  });

  test('sums parallel TCP only when every pair succeeded, in ring order', async () => {
    const { dataset } = await importBench(root);
    const full = getCell(dataset, 'none', 'baseline', 'parallelTcp')!;
    expect(full.pairs.map((p) => p.value)).toEqual([468, 465, 464]);
    expect(full.sum).toBe(1397);
    const partial = getCell(dataset, 'wireguard', 'baseline', 'parallelTcp')!;
    expect(partial.sum).toBeNull();
    expect(partial.pairs[2]).toEqual({ pair: 'luna→lom', value: null, failure: 'connectFailed' });
    expect(partial.flags).toContain('incompleteAggregate');
  });

  test('splits ping into round trip and loss, and flags a whole lost run', async () => {
    const { dataset } = await importBench(root);
    const loss = getCell(dataset, 'wireguard', 'low', 'pingLoss')!;
    expect(loss.pairs[0]!.value).toBe(33.33);
    expect(loss.flags).toContain('wholeRunLost');
    expect(getCell(dataset, 'wireguard', 'low', 'pingRtt')!.pairs[0]!.metrics).toEqual({ jitterMs: 0.03, worstRttMs: 15 });
  });

  test('takes connection times from baseline only, as the slower peer, with the public-network wait', async () => {
    const { dataset } = await importBench(root);
    const deploy = getCell(dataset, 'wireguard', 'baseline', 'connectAfterDeploy')!;
    expect(deploy.pairs.map((p) => p.pair)).toEqual(['lom→yuki,luna', 'yuki→lom,luna', 'luna→lom,yuki']);
    expect(deploy.pairs[0]).toEqual({ pair: 'lom→yuki,luna', value: 6.5, metrics: { publicWaitSeconds: 1 } });
    expect(getCell(dataset, 'none', 'low', 'connectAfterDeploy')).toBeUndefined();
    expect(getCell(dataset, 'wireguard', 'baseline', 'connectAfterReboot')!.flags).toContain('mostlyNetworkWait');
  });

  test('flags a video stream that barely arrives', async () => {
    const { dataset } = await importBench(root);
    expect(getCell(dataset, 'wireguard', 'baseline', 'video')!.flags).toEqual(['brokenVideoStream']);
    expect(getCell(dataset, 'none', 'baseline', 'video')!.flags).toEqual(['partialPairs']);
  });

  test('reads profiles, provenance, series facts and the tuned run', async () => {
    const { dataset } = await importBench(root);
    expect(dataset.profiles.map((p) => p.id)).toEqual(['baseline', 'low']);
    expect(dataset.profiles[1]!.impairment).toEqual({ latencyMs: 4, jitterMs: 4, lossPercent: 0.5, reorderPercent: 1, reorderCorrelationPercent: 25, bandwidthMbit: null });
    expect(dataset.provenance).toMatchObject({
      repository: 'Qubasa/vpn-bench',
      commit: '86415be7ac611ef924b5afca0b7f1935beee508b',
      commitDate: '2026-03-13',
      hardware: { kernel: '6.12.57', iperfVersion: '3.20', congestionControl: 'cubic', pairs: ['lom→yuki', 'yuki→luna', 'luna→lom'] },
    });
    expect(dataset.series).toEqual([
      { id: 'none', addressFamily: 'ipv4', tunnelMssBytes: 1368 },
      { id: 'wireguard', addressFamily: 'ipv4', tunnelMssBytes: 1368 },
    ]);
    const tuned = dataset.runs[1]!;
    expect(tuned).toMatchObject({ id: 'optimized', series: ['none'], profiles: ['baseline'], collectedFrom: '2026-02-26', collectedTo: '2026-02-26' });
    expect(tuned.cells.map((c) => c.workload)).toEqual(['tcp']);
    expect(dataset.runs[0]).toMatchObject({ collectedFrom: '2025-12-18', collectedTo: '2025-12-18' });
  });

  test('gives the same bytes on every run', async () => {
    const first = await importBench(root);
    const second = await importBench(root);
    expect(second.text).toBe(first.text);
    expect(serializeDataset(first.dataset)).toBe(first.text);
    expect(first.text.endsWith('}\n')).toBe(true);
  });

  test('refuses data whose pair does not match its machine folder', async () => {
    put(`${MAIN}/Internal/baseline/0_lom/tcp_iperf3.json`, success(iperfTcp(930), 1));
    await expect(importBench(root)).rejects.toThrow(/measured yuki→luna, expected lom→yuki/);
  });

  test('refuses profiles whose settings differ between series', async () => {
    put(`${MAIN}/Wireguard/low_impairment/tc_settings.json`, { alias: 'low_impairment', settings: { ...tc('low').settings, latency_ms: 5 } });
    await expect(importBench(root)).rejects.toThrow(/impairment differs/);
  });

  test('warns about errors it cannot classify and records them as other', async () => {
    put(`${MAIN}/Internal/baseline/0_lom/nix_cache.json`, cmdError(0, 'something new'));
    const { dataset, warnings } = await importBench(root);
    expect(getCell(dataset, 'none', 'baseline', 'nixCache')!.failures).toEqual({ other: 1 });
    expect(warnings.some((w) => w.includes('nix_cache.json') && w.includes('"other"'))).toBe(true);
    expect(warnings.join('\n')).not.toContain('something new');
  });
});

describe('classifyError', () => {
  test.each([
    ['CmdOut', { msg: 'Command timed out after 120 seconds', stdout: '' }, { category: 'timeout', limitSeconds: 120 }],
    ['ClanCmdTimeoutError', 'Return Code: -1\nError Msg: Command timed out after 250 seconds', { category: 'timeout', limitSeconds: 250 }],
    ['CmdOut', { stdout: '"error": "unable to connect to server - server may have stopped running: Connection timed out"' }, { category: 'connectFailed' }],
    ['CmdOut', { stdout: '"error": "unable to receive results: No such file or directory"' }, { category: 'controlLost' }],
    ['ClanCmdError', 'warning: Failed to read JSON data size - read returned 0', { category: 'controlLost' }],
    ['CmdOut', { stderr: "error: unable to download 'http://cache.vpn.yuki/nar/x': Timeout was reached (28)" }, { category: 'transferFailed' }],
    ['CmdOut', { stderr: 'error (ignored): failed to read compressed data (Truncated zstd input)' }, { category: 'transferFailed' }],
    ['CmdOut', { stderr: "error: opening file '/tmp/cache/nar/x.nar.tmp': No such file or directory" }, { category: 'clientError' }],
    ['ClanError', { msg: 'Unexpected general Exception occured', description: 'list index out of range' }, { category: 'noResult' }],
    ['CmdOut', { stderr: 'segmentation fault' }, { category: 'other' }],
    [undefined, undefined, { category: 'other' }],
  ])('classifies a %s error', (type, error, expected) => {
    expect(classifyError(type, error)).toEqual(expected);
  });

  test('prefers the harness time limit over retries logged before it', () => {
    const error = { msg: 'Command timed out after 700 seconds', stderr: "unable to download 'x': Timeout was reached" };
    expect(classifyError('CmdOut', error)).toEqual({ category: 'timeout', limitSeconds: 700 });
  });
});

describe('number helpers', () => {
  test('roundValue keeps four significant digits and leaves integers exact', () => {
    expect(roundValue(934.1039)).toBe(934.1);
    expect(roundValue(0.59888)).toBe(0.5989);
    expect(roundValue(0.034953)).toBe(0.03495);
    expect(roundValue(12345)).toBe(12345);
    expect(roundValue(-0)).toBe(0);
    expect(Object.is(roundValue(-0.00001), -0)).toBe(false);
  });

  test('parseDuration reads Python timedelta text', () => {
    expect(parseDuration('0:01:37.266106')).toBeCloseTo(97.266106, 6);
    expect(parseDuration('1:00:00')).toBe(3600);
    expect(parseDuration('soon')).toBeUndefined();
  });

  test('assertNothingSensitive refuses addresses, paths and log words', () => {
    expect(() => assertNothingSensitive('{"pair":"lom→yuki","value":934.1}')).not.toThrow();
    expect(() => assertNothingSensitive('"138.201.51.119"')).toThrow(/IPv4/);
    expect(() => assertNothingSensitive('"fd1a:d5ce:b608:1::1"')).toThrow(/IPv6/);
    expect(() => assertNothingSensitive('"/home/user"')).toThrow(/path/);
    expect(() => assertNothingSensitive('"the password is"')).toThrow(/log text/);
  });
});

describe('runImportBench', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: root, repoRoot: join(root, 'repo') } };
  };

  test('writes the dataset from a --source folder relative to the working directory', async () => {
    const run = io();
    expect(await runImportBench(['--source', '.', '--out', 'out/bench.json'], run.io)).toBe(0);
    const written = readFileSync(join(root, 'out/bench.json'), 'utf8');
    expect(JSON.parse(written)).toMatchObject({ format: 'clan-designer-vpn-bench' });
    expect(run.out.join('')).toMatch(/^Wrote out\/bench\.json: \d+ cells/);
  });

  test('defaults to ../shared/vpn-bench-data and resources/bench under the repository root', async () => {
    const repoRoot = join(root, 'work', 'main');
    const source = join(root, 'work', 'shared', 'vpn-bench-data');
    mkdirSync(source, { recursive: true });
    for (const entry of ['SOURCE.md', MAIN, TUNED]) cpSync(join(root, entry), join(source, entry), { recursive: true });
    const run = io();
    expect(await runImportBench([], { ...run.io, repoRoot })).toBe(0);
    expect(readFileSync(join(repoRoot, 'resources/bench/vpn-bench.json'), 'utf8')).toContain('"format": "clan-designer-vpn-bench"');
  });

  test('--check reports whether the file is up to date without writing', async () => {
    const run = io();
    expect(await runImportBench(['--source=.', '--out=bench.json', '--check'], run.io)).toBe(1);
    expect(run.err.join('')).toContain('bench.json is missing');
    expect(await runImportBench(['--source=.', '--out=bench.json'], run.io)).toBe(0);
    expect(await runImportBench(['--source=.', '--out=bench.json', '--check'], run.io)).toBe(0);
    writeFileSync(join(root, 'bench.json'), '{}\n');
    expect(await runImportBench(['--source=.', '--out=bench.json', '--check'], run.io)).toBe(1);
    expect(run.err.join('')).toContain('out of date');
  });

  test('explains a missing source folder and bad arguments', async () => {
    const run = io();
    expect(await runImportBench(['--source', 'nowhere'], run.io)).toBe(1);
    expect(run.err.join('')).toMatch(/no benchmark data at .*nowhere.*--source DIR/);
    expect(await runImportBench(['--source'], run.io)).toBe(2);
    expect(await runImportBench(['--frobnicate'], run.io)).toBe(2);
    expect(run.err.join('')).toContain('unknown argument --frobnicate');
    expect(await runImportBench(['--help'], run.io)).toBe(0);
    expect(run.out.join('')).toContain('Usage: npm run data:import');
  });

  test('reports a broken source as a failure instead of throwing', async () => {
    rmSync(join(root, 'SOURCE.md'));
    const run = io();
    expect(await runImportBench(['--source', '.'], run.io)).toBe(1);
    expect(run.err.join('')).toContain('SOURCE.md is missing');
  });
});
