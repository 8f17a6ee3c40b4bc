import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { PingProblem } from '../verify/probe';
import { describeMeasureError } from './errors';
import {
  describeIperfProblem,
  describePingProblem,
  iperfClientCommand,
  iperfServerCommand,
  isIperfServerListening,
  pairCommands,
  parseIperfClientOutput,
  parseIperfServerOutput,
  parsePingCommandOutput,
  pingCommand,
  toLinkMeasurement,
  type ProblemContext,
} from './commands';
import { iperfProblems, linkMeasurementSchema, pingProblems } from './schema';

// The outputs below are real: captured on a build machine (Debian 12: iperf 3.12, iputils 20221126) over loopback,
// e.g. `iperf3 -s -1 -B 127.0.0.1 -p 5299 --forceflush & iperf3 -c 127.0.0.1 -p 5299 -t 1 -J --bidir`, with the
// argv shapes commands.ts builds; lossy and unreachable pings in a throwaway network namespace with an iptables
// `statistic` drop rule and no route out. fixtures/captured.json records each one's exact argv.
interface Captured {
  argv: string[];
  stdout: string;
  stderr: string;
  exitCode: number;
}
const captured = JSON.parse(readFileSync(new URL('./fixtures/captured.json', import.meta.url), 'utf8')) as Record<string, Captured>;
const run = (name: string): Captured => {
  const c = captured[name];
  if (c === undefined) throw new Error(`no captured output ${name}`);
  return c;
};
const client = (name: string) => parseIperfClientOutput(run(name).stdout, run(name).stderr, run(name).exitCode);
const server = (name: string) => parseIperfServerOutput(run(name).stdout, run(name).stderr, run(name).exitCode);
const ping = (name: string, address = '127.0.0.1') => parsePingCommandOutput(address, run(name).stdout, run(name).stderr, run(name).exitCode);

/** bits_per_second / 1e6 of one sum of a captured iperf3 JSON, read independently of the parser. */
function mbpsIn(name: string, sum: string): number {
  return sumIn(name, sum).bits_per_second / 1e6;
}
function sumIn(name: string, sum: string): { bits_per_second: number; retransmits?: number } {
  const json = JSON.parse(run(name).stdout) as { end: Record<string, { bits_per_second: number; retransmits?: number }> };
  return json.end[sum]!;
}

describe('argv builders', () => {
  test('the one-off server listens on the overlay address only, for one test, bounded by timeout, flushing its "listening" line at once', () => {
    expect(iperfServerCommand('10.1.2.3', { port: 5299, seconds: 10 })).toEqual({
      ok: true,
      value: { argv: ['env', 'LC_ALL=C', 'timeout', '30', 'iperf3', '-s', '-1', '-B', '10.1.2.3', '-p', '5299', '--forceflush'], limitSeconds: 30 },
    });
  });

  test('the client runs the benchmark test (both directions at once) by default, -R or plain on request, with JSON output', () => {
    const argv = (direction?: 'bidir' | 'forward' | 'reverse') => {
      const built = iperfClientCommand('10.1.2.3', { port: 5299, seconds: 10, ...(direction === undefined ? {} : { direction }) });
      if (!built.ok) throw new Error('refused');
      return built.value;
    };
    expect(argv()).toEqual({ argv: ['env', 'LC_ALL=C', 'timeout', '20', 'iperf3', '-c', '10.1.2.3', '-p', '5299', '-t', '10', '-J', '--bidir'], limitSeconds: 20 });
    expect(argv('reverse').argv.slice(-2)).toEqual(['-J', '-R']);
    expect(argv('forward').argv.at(-1)).toBe('-J');
  });

  test('ping sends a summary-only run with the family flag, and IPv6 addresses in their canonical spelling', () => {
    expect(pingCommand('10.1.2.3')).toEqual({
      ok: true,
      value: { argv: ['env', 'LC_ALL=C', 'timeout', '26', 'ping', '-4', '-n', '-q', '-c', '100', '-i', '0.2', '-W', '1', '10.1.2.3'], limitSeconds: 26 },
    });
    const v6 = pingCommand('FD00:0:0:0:0:0:0:0001', { count: 300, intervalSeconds: 0.05 });
    expect(v6.ok && v6.value).toEqual({ argv: ['env', 'LC_ALL=C', 'timeout', '21', 'ping', '-6', '-n', '-q', '-c', '300', '-i', '0.05', '-W', '1', 'fd00::1'], limitSeconds: 21 });
  });

  test('the time limit of a ping run is not thrown off by floating point', () => {
    const built = pingCommand('10.1.2.3', { count: 100, intervalSeconds: 0.07 });
    expect(built.ok && built.value.limitSeconds).toBe(7 + 1 + 5);
  });

  test('the captured outputs came from exactly these argv shapes (only the loopback address and the time limits differ)', () => {
    const pair = pairCommands('10.1.2.3', { port: 5299, seconds: 1 }, { count: 20, intervalSeconds: 0.05 });
    if (!pair.ok) throw new Error('refused');
    const same = (argv: string[]) => argv.map((a) => (a === '127.0.0.1' ? '10.1.2.3' : a));
    expect(pair.value.server.argv).toEqual(same(run('serverBidir').argv));
    expect(pair.value.client.argv).toEqual(same(run('clientBidir').argv));
    expect(pair.value.ping.argv.filter((_, i) => i !== 3)).toEqual(same(run('pingOk').argv).filter((_, i) => i !== 3));
  });

  test.each([
    ['-oProxyCommand=touch /tmp/x', 'option'],
    ['10.0.0.1; touch /tmp/cnd-pwned', 'notAnAddress'],
    ['$(touch /tmp/cnd-pwned)', 'notAnAddress'],
    ['`id`', 'notAnAddress'],
    ['10.0.0.1\n--help', 'controlCharacter'],
    ['', 'empty'],
    [' 10.0.0.1', 'notAnAddress'],
    ['10.0.0.1/24', 'notAnAddress'],
    ['fd00::1%eth0', 'notAnAddress'],
    ['[fd00::1]', 'notAnAddress'],
    ['nas.example.org', 'notAnAddress'],
    ['256.1.1.1', 'notAnAddress'],
    ['127.0.0.1', 'localOnly'],
    ['::1', 'localOnly'],
    ['fe80::1', 'localOnly'],
  ])('refuses the address %j (%s) for every command, before anything runs', (address, reason) => {
    const refusal = { ok: false, error: { code: 'valueRefused', details: { what: 'address', value: address, reason } } };
    expect(iperfServerCommand(address, { port: 5299 })).toEqual(refusal);
    expect(iperfClientCommand(address, { port: 5299 })).toEqual(refusal);
    expect(pingCommand(address)).toEqual(refusal);
    expect(pairCommands(address, { port: 5299 })).toEqual(refusal);
  });

  test('refuses numbers out of range with the range, and says so in a sentence', () => {
    expect(iperfServerCommand('10.1.2.3', { port: 80 })).toEqual({ ok: false, error: { code: 'outOfRange', details: { what: 'port', value: 80, min: 1024, max: 65535 } } });
    expect(iperfClientCommand('10.1.2.3', { port: 70000 })).toMatchObject({ ok: false, error: { details: { what: 'port' } } });
    expect(iperfClientCommand('10.1.2.3', { port: 5201.5 })).toMatchObject({ ok: false, error: { details: { what: 'port' } } });
    expect(iperfClientCommand('10.1.2.3', { port: 5201, seconds: 0 })).toMatchObject({ ok: false, error: { details: { what: 'seconds' } } });
    expect(iperfClientCommand('10.1.2.3', { port: 5201, seconds: Number.NaN })).toMatchObject({ ok: false, error: { details: { what: 'seconds' } } });
    expect(pingCommand('10.1.2.3', { count: 0 })).toMatchObject({ ok: false, error: { details: { what: 'count' } } });
    const interval = pingCommand('10.1.2.3', { intervalSeconds: 0.001 });
    expect(interval).toMatchObject({ ok: false, error: { details: { what: 'interval', min: 0.01, max: 2 } } });
    if (interval.ok) throw new Error('accepted');
    expect(describeMeasureError(interval.error)).toBe('0.001 s between pings is outside 0.01 to 2 s, so the measurement was not started. Choose a value in that range.');
  });

  test('a refused address is shown safely in the message, control characters visible', () => {
    const refused = pingCommand('10.0.0.1\n--help');
    if (refused.ok) throw new Error('accepted');
    expect(describeMeasureError(refused.error)).toBe(
      'The address "10.0.0.1\\n--help" was not passed to the machine because it contains a line break or another control character. Nothing was run. If the address came from the VPN itself, run Verify first; if it still happens, use "Copy details" and report it.',
    );
  });
});

describe('iperf3 client output', () => {
  test('a bidirectional run gives both directions: what arrived (receiver side) and what was sent, in Mbit/s', () => {
    const result = client('clientBidir');
    expect(result).toMatchObject({ direction: 'bidir', version: 'iperf 3.12', tcpMssBytes: 32768, problem: null, detail: '' });
    expect(result.forward!.receivedMbps).toBeCloseTo(mbpsIn('clientBidir', 'sum_received'), 9);
    expect(result.forward!.sentMbps).toBeCloseTo(mbpsIn('clientBidir', 'sum_sent'), 9);
    expect(result.reverse!.receivedMbps).toBeCloseTo(mbpsIn('clientBidir', 'sum_received_bidir_reverse'), 9);
    expect(result.reverse!.sentMbps).toBeCloseTo(mbpsIn('clientBidir', 'sum_sent_bidir_reverse'), 9);
    expect(result.forward!.retransmits).toBe(sumIn('clientBidir', 'sum_sent').retransmits);
    expect(result.forward!.seconds).toBeGreaterThan(0.9);
  });

  test('a forward run fills only forward, a reverse (-R) run only reverse', () => {
    const forward = client('clientForward');
    expect(forward).toMatchObject({ direction: 'forward', reverse: null, problem: null });
    expect(forward.forward!.receivedMbps).toBeCloseTo(mbpsIn('clientForward', 'sum_received'), 9);
    const reverse = client('clientReverse');
    expect(reverse).toMatchObject({ direction: 'reverse', forward: null, problem: null });
    expect(reverse.reverse!.receivedMbps).toBeCloseTo(mbpsIn('clientReverse', 'sum_received'), 9);
  });

  test.each([
    ['clientRefused', 'connectionRefused', 'unable to connect to server: Connection refused'],
    ['clientBusy', 'serverBusy', 'the server is busy running a test. try again later'],
    ['clientTimeout', 'timeout', 'interrupt - the client has terminated'],
    ['clientMissing', 'iperfMissing', "/usr/bin/timeout: failed to run command 'iperf3': No such file or directory"],
    ['clientBadOption', 'badOptions', "iperf3: unrecognized option '--bogus'"],
  ])('%s is the problem %s, with iperf3\'s own words', (name, problem, detail) => {
    expect(client(name)).toMatchObject({ forward: null, reverse: null, problem, detail });
  });

  test('output it cannot read is noResult, never a throw', () => {
    expect(parseIperfClientOutput('', '', 0)).toMatchObject({ problem: 'noResult', detail: '' });
    expect(parseIperfClientOutput('{"start": {}, "end": {}}', '', 0)).toMatchObject({ problem: 'noResult' });
    expect(parseIperfClientOutput('[1, 2]', '', 0)).toMatchObject({ problem: 'noResult' });
    expect(parseIperfClientOutput('{"end": {"sum_sent": {"bits_per_second": -1}, "sum_received": {"bits_per_second": "x"}}}', '', 0)).toMatchObject({ problem: 'noResult' });
    expect(parseIperfClientOutput('{"error": "something new"}', '', 1)).toMatchObject({ problem: 'other', detail: 'something new' });
    expect(parseIperfClientOutput('', 'timeout: failed to run command ‘iperf3’: No such file or directory\n', 127)).toMatchObject({ problem: 'iperfMissing' });
  });
});

describe('iperf3 server output', () => {
  test('the "listening" line is seen as soon as it is printed', () => {
    expect(isIperfServerListening(run('serverBidir').stdout)).toBe(true);
    expect(isIperfServerListening('-----------------------------------------------------------\n')).toBe(false);
    expect(isIperfServerListening('')).toBe(false);
  });

  test.each([
    ['serverBidir', { listening: true, accepted: true, problem: null }],
    ['serverInUse', { listening: false, accepted: false, problem: 'portInUse', detail: 'iperf3: error - unable to start listener for connections: Address already in use' }],
    ['serverNotAddress', { listening: false, accepted: false, problem: 'addressNotHere' }],
    ['serverNoClient', { listening: true, accepted: false, problem: 'noClient' }],
  ])('%s reads as %j', (name, expected) => {
    expect(server(name)).toMatchObject(expected);
  });

  test('a server without iperf3 is iperfMissing', () => {
    expect(parseIperfServerOutput('', "timeout: failed to run command 'iperf3': No such file or directory\n", 127)).toMatchObject({ listening: false, problem: 'iperfMissing' });
  });
});

describe('ping output (parsed by verify/probe.ts parsePingOutput)', () => {
  test('a clean run: every ping answered, with the round trips', () => {
    expect(ping('pingOk')).toMatchObject({ address: '127.0.0.1', sent: 20, received: 20, lossPercent: 0, problem: null });
    expect(ping('pingOk').rttMinMs).toBeLessThanOrEqual(ping('pingOk').rttAvgMs!);
  });

  test('a lossy run: 200 pings through a 10 % drop rule, 19 lost', () => {
    expect(ping('pingLoss')).toEqual({ address: '127.0.0.1', sent: 200, received: 181, lossPercent: 9.5, rttMinMs: 0.028, rttAvgMs: 0.035, rttMaxMs: 0.142, problem: null, detail: '' });
  });

  test('no reply at all is 100 % loss without round trips; no route is unreachable; no ping is pingMissing', () => {
    expect(ping('pingNoReply')).toMatchObject({ sent: 5, received: 0, lossPercent: 100, rttAvgMs: null });
    expect(ping('pingUnreachable', '10.255.255.1')).toMatchObject({ sent: 0, problem: 'unreachable', detail: 'ping: connect: Network is unreachable' });
    expect(ping('pingMissing')).toMatchObject({ sent: 0, problem: 'pingMissing', detail: "/usr/bin/timeout: failed to run command 'ping': No such file or directory" });
  });
});

describe('what is kept', () => {
  test('a bidirectional run and a lossy ping become one link measurement in the benchmark units, valid for the file', () => {
    const link = toLinkMeasurement({ from: 'mach_a' as never, to: 'mach_b' as never, address: '10.1.2.3' }, client('clientBidir'), ping('pingLoss'), 1_796_628_269_435.4);
    expect(link).toMatchObject({
      measuredAt: 1_796_628_269_435,
      forwardMbps: Math.round(mbpsIn('clientBidir', 'sum_received') * 1000) / 1000,
      reverseMbps: Math.round(mbpsIn('clientBidir', 'sum_received_bidir_reverse') * 1000) / 1000,
      forwardRetransmits: sumIn('clientBidir', 'sum_sent').retransmits,
      rttMinMs: 0.028,
      rttAvgMs: 0.035,
      lossPercent: 9.5,
      pingsSent: 200,
      iperfProblem: null,
      pingProblem: null,
    });
    expect(linkMeasurementSchema.parse(link)).toEqual(link);
  });

  test('failed runs are kept as problems with null figures', () => {
    const link = toLinkMeasurement({ from: 'mach_a' as never, to: 'mach_b' as never, address: '10.1.2.3' }, client('clientRefused'), ping('pingUnreachable', '10.255.255.1'), 0);
    expect(link).toMatchObject({ seconds: null, forwardMbps: null, reverseMbps: null, rttAvgMs: null, lossPercent: null, pingsSent: 0, iperfProblem: 'connectionRefused', pingProblem: 'unreachable' });
    expect(linkMeasurementSchema.safeParse(link).success).toBe(true);
  });
});

test('the stored ping problems are exactly verify\'s PingProblem', () => {
  expectTypeOf<(typeof pingProblems)[number]>().toEqualTypeOf<PingProblem>();
  expect(new Set(pingProblems).size).toBe(pingProblems.length);
});

describe('problem sentences', () => {
  const ctx: ProblemContext = { from: 'parents-pi', to: 'nas', address: '10.1.2.3', port: 5299, seconds: 10, side: 'client', detail: '' };

  test('every iperf3 problem has a sentence that names the machine and ends in what to do', () => {
    for (const problem of iperfProblems) {
      const sentence = describeIperfProblem(problem, ctx);
      expect(sentence, problem).toMatch(/"(parents-pi|nas)"/);
      expect(sentence, problem).toMatch(/\.\)?$/);
    }
    expect(describeIperfProblem('iperfMissing', { ...ctx, side: 'server' })).toBe(
      'iperf3 is not installed on "nas", so the throughput could not be measured. Add pkgs.iperf3 to its environment.systemPackages (machines/<name>/configuration.nix), deploy, then measure again.',
    );
    expect(describeIperfProblem('serverBusy', { ...ctx, detail: 'the server is busy running a test. try again later' })).toBe(
      'The iperf3 server on "nas" was busy with another test: it serves one test at a time. Wait until the other measurement has finished, then measure again. (the server is busy running a test. try again later.)',
    );
    expect(describeIperfProblem('connectionRefused', ctx)).toContain('refused the connection to port 5299 on 10.1.2.3');
    expect(describeIperfProblem('timeout', ctx)).toContain('a firewall on "nas" drops TCP port 5299');
  });

  test('every ping problem has a sentence', () => {
    for (const problem of pingProblems) expect(describePingProblem(problem, ctx), problem).toMatch(/\.$/);
    expect(describePingProblem('pingMissing', ctx)).toBe('ping is not installed on "parents-pi", so the round trip and loss could not be measured. Add pkgs.iputils to its environment.systemPackages, deploy, then measure again.');
  });
});
