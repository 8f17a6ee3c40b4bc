import { err, ok, type Result } from '../result';
import { quote } from '../text';
import { canonicalIp, isLocalOnlyIp } from '../verify/ip';
import { parsePingOutput, refuseProbeAddress, type PingProblem, type PingResult } from '../verify/probe';
import type { MeasureError, MeasureNumber } from './errors';
import type { IperfProblem, LinkMeasurement } from './schema';

// "Measure my network" (issue 15), the commands: a one-off iperf3 server on the target machine, the iperf3 client
// and ping on the source machine, all as argv arrays (the SSH layer quotes each argument: main/ssh/quote.ts), and
// the parsers of what they print. Like verify's probe (verify/probe.ts), addresses reach a command only after they
// were checked to be plain IPv4/IPv6 addresses (its refuseProbeAddress), in their canonical spelling; numbers only
// after a range check. Nothing from the design or from a machine's answers is ever spliced into a shell string.
//
// Facts the commands rely on (checked on Debian 12: iperf 3.12, iputils 20221126, coreutils 9.1; NixOS ships newer):
//   - `timeout SECONDS CMD` bounds every command, so a server nobody connects to, or a client whose SYNs a
//     firewall drops, ends by itself (exit 124); iperf3's own --connect-timeout did not end such a client in 3.12.
//     `env LC_ALL=C` first, so timeout's and ping's messages are in English for the parsers.
//   - `iperf3 -s -1` serves one test, then exits. `-B ADDRESS` makes it listen on the overlay address only: the
//     measurement really crosses the overlay, and while the server waits it is not open on the machine's other
//     addresses (its public one, say). `--forceflush` makes it print "Server listening on PORT" at once instead of
//     when it exits (stdout is a pipe, so otherwise fully buffered): the caller starts the client once it sees that
//     line (isIperfServerListening).
//   - `iperf3 -c ADDRESS -p PORT -t SECONDS -J --bidir` is the benchmark's own test (SCHEMA §3.1: one TCP stream in
//     each direction at the same time; `--bidir` needs iperf3 3.7+). `-R` (server sends) and plain forward runs are
//     there for one direction at a time. With -J iperf3 prints JSON even for a failure, with an "error" field, and
//     (3.12) exits 0 for refused or busy servers: the parser reads the JSON, never the exit code alone.
//   - ping as verify's probe calls it (-n -q -c -i -W, -4/-6), with the same parser (verify/probe.ts
//     parsePingOutput). Intervals below 0.2 s need iputils 20210202 or newer for non-root users (2 ms minimum);
//     older pings refuse them, which comes back as problem 'badOptions'/'noResult' with ping's words.

/** iperf3's own default port; the caller picks the port (a port another program holds gives 'portInUse'). */
export const IPERF_DEFAULT_PORT = 5201;

/** Ports a measurement may use: unprivileged ones, since the server may run as the login user. */
export const iperfPortRange = { min: 1024, max: 65535 } as const;

/** How long one throughput test runs, in seconds (the benchmark ran 30 s; 10 s is enough for a home link). */
export const iperfSecondsRange = { min: 1, max: 60, default: 10 } as const;

/** Pings per measurement: 100 at 0.2 s by default, one of the benchmark's 3 × 100 runs (SCHEMA §3.4). */
export const pingCountRange = { min: 1, max: 2000, default: 100 } as const;

/** Seconds between pings. */
export const pingIntervalRange = { min: 0.01, max: 2, default: 0.2 } as const;

/** Seconds ping waits for the last reply (-W), as the benchmark (`-W 1`). */
const PING_WAIT_SECONDS = 1;

/**
 * How long the one-off server waits beyond the test itself: the SSH session to the other machine, the client's
 * start and iperf3's result exchange. A client never comes after this; the server then ends with 'noClient'.
 */
export const IPERF_SERVER_SLACK_SECONDS = 20;

/** How long the client may take beyond the test itself (connect, the result exchange, a slow link's last data). */
export const IPERF_CLIENT_SLACK_SECONDS = 10;

/** Which way the test sends: both at once (the benchmark's test), client → server only, or server → client only. */
export type IperfDirection = 'bidir' | 'forward' | 'reverse';

/** What an iperf3 command needs besides the address. */
export interface IperfOptions {
  /** The TCP port, chosen by the caller (iperfPortRange). */
  port: number;
  /** How long the test sends; default iperfSecondsRange.default. */
  seconds?: number;
  /** Default 'bidir', the benchmark's test. */
  direction?: IperfDirection;
}

/** What the ping command may be told. */
export interface PingOptions {
  /** Pings to send; default 100. */
  count?: number;
  /** Seconds between pings; default 0.2. */
  intervalSeconds?: number;
}

/** One command of a measurement: the argv and the time limit the SSH layer should give it (a little over `timeout`'s). */
export interface MeasureCommand {
  argv: string[];
  /** Seconds after which the command has ended by itself (its own `timeout`); give the SSH exec a few more. */
  limitSeconds: number;
}

/** The canonical spelling of a measurable address, or why it is refused. */
function checkAddress(address: string): Result<string, MeasureError> {
  const refused = refuseProbeAddress(address);
  if (refused !== null) return err({ code: 'valueRefused', details: { what: 'address', value: address, reason: refused } });
  if (isLocalOnlyIp(address)) return err({ code: 'valueRefused', details: { what: 'address', value: address, reason: 'localOnly' } });
  return ok(canonicalIp(address)!);
}

function checkNumber(what: MeasureNumber, value: number, range: { min: number; max: number }, integer: boolean): MeasureError | null {
  const fits = Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= range.min && value <= range.max;
  return fits ? null : { code: 'outOfRange', details: { what, value, min: range.min, max: range.max } };
}

function checkIperf(options: IperfOptions): Result<{ port: number; seconds: number; direction: IperfDirection }, MeasureError> {
  const seconds = options.seconds ?? iperfSecondsRange.default;
  const bad = checkNumber('port', options.port, iperfPortRange, true) ?? checkNumber('seconds', seconds, iperfSecondsRange, true);
  return bad === null ? ok({ port: options.port, seconds, direction: options.direction ?? 'bidir' }) : err(bad);
}

/** The time-limited, English-speaking prefix of every command. */
function bounded(limitSeconds: number, argv: readonly string[]): string[] {
  return ['env', 'LC_ALL=C', 'timeout', String(limitSeconds), ...argv];
}

/**
 * The one-off iperf3 server, run on the target machine and bound to its overlay address:
 * `env LC_ALL=C timeout LIMIT iperf3 -s -1 -B ADDRESS -p PORT --forceflush`. It serves one test and exits, or
 * gives up after the test's length plus IPERF_SERVER_SLACK_SECONDS.
 */
export function iperfServerCommand(bindAddress: string, options: IperfOptions): Result<MeasureCommand, MeasureError> {
  const address = checkAddress(bindAddress);
  if (!address.ok) return address;
  const checked = checkIperf(options);
  if (!checked.ok) return checked;
  const limitSeconds = checked.value.seconds + IPERF_SERVER_SLACK_SECONDS;
  return ok({ argv: bounded(limitSeconds, ['iperf3', '-s', '-1', '-B', address.value, '-p', String(checked.value.port), '--forceflush']), limitSeconds });
}

/**
 * The iperf3 client, run on the source machine against the target's overlay address:
 * `env LC_ALL=C timeout LIMIT iperf3 -c ADDRESS -p PORT -t SECONDS -J [--bidir | -R]`.
 */
export function iperfClientCommand(serverAddress: string, options: IperfOptions): Result<MeasureCommand, MeasureError> {
  const address = checkAddress(serverAddress);
  if (!address.ok) return address;
  const checked = checkIperf(options);
  if (!checked.ok) return checked;
  const { port, seconds, direction } = checked.value;
  const limitSeconds = seconds + IPERF_CLIENT_SLACK_SECONDS;
  const mode = direction === 'bidir' ? ['--bidir'] : direction === 'reverse' ? ['-R'] : [];
  return ok({ argv: bounded(limitSeconds, ['iperf3', '-c', address.value, '-p', String(port), '-t', String(seconds), '-J', ...mode]), limitSeconds });
}

/**
 * Ping from the source machine to the target's overlay address, summary only:
 * `env LC_ALL=C timeout LIMIT ping -4|-6 -n -q -c COUNT -i INTERVAL -W 1 ADDRESS`.
 */
export function pingCommand(address: string, options: PingOptions = {}): Result<MeasureCommand, MeasureError> {
  const target = checkAddress(address);
  if (!target.ok) return target;
  const count = options.count ?? pingCountRange.default;
  const interval = options.intervalSeconds ?? pingIntervalRange.default;
  const bad = checkNumber('count', count, pingCountRange, true) ?? checkNumber('interval', interval, pingIntervalRange, false);
  if (bad !== null) return err(bad);
  // Every ping sent, the wait for the last reply, and start-up.
  // (Less a hair, so a float product such as 100 × 0.07 = 7.000000000000001 counts as the 7 s it is.)
  const limitSeconds = Math.ceil(count * interval - 1e-9) + PING_WAIT_SECONDS + 5;
  const family = target.value.includes(':') ? '-6' : '-4';
  return ok({ argv: bounded(limitSeconds, ['ping', family, '-n', '-q', '-c', String(count), '-i', String(interval), '-W', String(PING_WAIT_SECONDS), target.value]), limitSeconds });
}

/**
 * The three commands of one pair: the server runs on `to`, the client and the pings on `from`, one pair after the
 * other (a one-off server serves one test, and two tests sharing a link would measure each other). When the client
 * fails, cancel the server's exec (the SSH pool then kills its process group) rather than wait out its limit.
 */
export interface PairCommands {
  /** Run first, on the target; start the client once isIperfServerListening says so. */
  server: MeasureCommand;
  /** Run on the source while the server waits. */
  client: MeasureCommand;
  /** Run on the source after the throughput test (not during: the test's queues would add to the round trip). */
  ping: MeasureCommand;
}

/** Every command of one pair, for the target's overlay address; refused as a whole when any value is. */
export function pairCommands(targetAddress: string, iperf: IperfOptions, ping: PingOptions = {}): Result<PairCommands, MeasureError> {
  const server = iperfServerCommand(targetAddress, iperf);
  if (!server.ok) return server;
  const client = iperfClientCommand(targetAddress, iperf);
  if (!client.ok) return client;
  const pings = pingCommand(targetAddress, ping);
  if (!pings.ok) return pings;
  return ok({ server: server.value, client: client.value, ping: pings.value });
}

// ---------------------------------------------------------------------------------------------------------------
// Parsers. They never throw: output they do not know becomes a problem with iperf3's or ping's own words.

/** One direction of a test, in Mbit/s (decimal, bits_per_second / 1e6, as the benchmark: SCHEMA §3.1). */
export interface IperfFlow {
  /** What the sender sent (the benchmark's headline side). */
  sentMbps: number;
  /** What arrived: the user's figure (see compare.ts for why). */
  receivedMbps: number;
  /** Segments the sender sent again; null when iperf3 did not report it. */
  retransmits: number | null;
  /** Seconds the receiver counted. */
  seconds: number;
}

/** What the iperf3 client found. */
export interface IperfResult {
  /** The test iperf3 ran; null when it ran none. */
  direction: IperfDirection | null;
  /** Client → server; null when not measured. */
  forward: IperfFlow | null;
  /** Server → client; null when not measured. */
  reverse: IperfFlow | null;
  /** "iperf 3.12", when iperf3 said. */
  version: string | null;
  /** The TCP segment size iperf3 saw (the tunnel's MSS when run over the overlay), when it said. */
  tcpMssBytes: number | null;
  problem: IperfProblem | null;
  /** iperf3's or the shell's own words when something went wrong (first line, at most 160 characters), else ''. */
  detail: string;
}

/** What the one-off server's output says. */
export interface IperfServerResult {
  /** It printed "Server listening on PORT". */
  listening: boolean;
  /** A client connected. */
  accepted: boolean;
  problem: IperfProblem | null;
  detail: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberAt(record: Record<string, unknown> | undefined, key: string): number | null {
  const value = record?.[key];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function short(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

/** A command the shell or `env`/`timeout` could not find ("env: 'iperf3': No such file or directory", exit 127). */
function isMissing(program: string, text: string, exitCode: number | null): boolean {
  const named = new RegExp(`['‘"]?${program}['’"]?: (?:No such file or directory|not found)|${program}: command not found|failed to run command ['‘"]?${program}`);
  return named.test(text) || (exitCode === 127 && text.includes(program));
}

const badOptionPattern = /unrecognized option|invalid option|illegal option|^Usage:/im;

/** The problem an iperf3 error message stands for (the "error" field of its JSON, or its stderr). */
function classifyIperfError(message: string, exitCode: number | null): IperfProblem {
  if (/server is busy/i.test(message)) return 'serverBusy';
  if (/Address already in use/i.test(message)) return 'portInUse';
  if (/Cannot assign requested address/i.test(message)) return 'addressNotHere';
  if (/Connection refused/i.test(message)) return 'connectionRefused';
  if (/No route to host|Network is unreachable|Host is unreachable|Host is down/i.test(message)) return 'unreachable';
  if (exitCode === 124 || /interrupt - the (?:client|server) has terminated|timed out|timeout/i.test(message)) return 'timeout';
  if (badOptionPattern.test(message)) return 'badOptions';
  if (/control (?:socket|connection|message)|unable to (?:send|receive|read|write)|Connection reset|Broken pipe/i.test(message)) return 'controlLost';
  return 'other';
}

function flowOf(sent: unknown, received: unknown): IperfFlow | null {
  if (!isRecord(sent) || !isRecord(received)) return null;
  const sentBps = numberAt(sent, 'bits_per_second');
  const receivedBps = numberAt(received, 'bits_per_second');
  if (sentBps === null || receivedBps === null) return null;
  const retransmits = numberAt(sent, 'retransmits');
  return {
    sentMbps: sentBps / 1e6,
    receivedMbps: receivedBps / 1e6,
    retransmits: retransmits === null ? null : Math.round(retransmits),
    seconds: numberAt(received, 'seconds') ?? numberAt(sent, 'seconds') ?? 0,
  };
}

const noResult = (problem: IperfProblem, detail: string, version: string | null = null, tcpMssBytes: number | null = null): IperfResult => ({
  direction: null,
  forward: null,
  reverse: null,
  version,
  tcpMssBytes,
  problem,
  detail,
});

/**
 * Reads the iperf3 client's output (`iperf3 ... -J`) and exit code: the Mbit/s of each direction it measured, or
 * the problem. A bidirectional test fills both directions, `-R` only `reverse`, a plain test only `forward`.
 */
export function parseIperfClientOutput(stdout: string, stderr: string, exitCode: number | null): IperfResult {
  const text = `${stdout}\n${stderr}`;
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  if (!isRecord(json)) {
    if (isMissing('iperf3', text, exitCode)) return noResult('iperfMissing', short(stderr) || short(stdout));
    if (badOptionPattern.test(text)) return noResult('badOptions', short(stderr) || short(stdout));
    if (exitCode === 124) return noResult('timeout', short(stderr));
    // Not JSON: only words iperf3 or the shell are known to print count; anything else is no result.
    const words = short(stderr) || short(stdout);
    const problem = words === '' ? 'noResult' : classifyIperfError(words, exitCode);
    return noResult(problem === 'other' ? 'noResult' : problem, words);
  }
  const start = isRecord(json.start) ? json.start : undefined;
  const version = typeof start?.version === 'string' ? start.version : null;
  const mss = numberAt(start, 'tcp_mss_default');
  if (typeof json.error === 'string') return noResult(classifyIperfError(json.error, exitCode), short(json.error), version, mss);
  const end = isRecord(json.end) ? json.end : {};
  const testStart = isRecord(start?.test_start) ? start.test_start : undefined;
  const first = flowOf(end.sum_sent, end.sum_received);
  if (first === null) return noResult(exitCode === 124 ? 'timeout' : 'noResult', short(stderr), version, mss);
  if ('sum_sent_bidir_reverse' in end || 'sum_received_bidir_reverse' in end) {
    const back = flowOf(end.sum_sent_bidir_reverse, end.sum_received_bidir_reverse);
    return { direction: 'bidir', forward: first, reverse: back, version, tcpMssBytes: mss, problem: back === null ? 'noResult' : null, detail: '' };
  }
  const reversed = numberAt(testStart, 'reverse') === 1;
  return { direction: reversed ? 'reverse' : 'forward', forward: reversed ? null : first, reverse: reversed ? first : null, version, tcpMssBytes: mss, problem: null, detail: '' };
}

const listeningPattern = /^Server listening on \d+/m;

/** Whether the server's output so far shows it listening: the moment to start the client. */
export function isIperfServerListening(stdout: string): boolean {
  return listeningPattern.test(stdout);
}

/** Reads the one-off server's output once it has ended: whether it listened, served a client, or why not. */
export function parseIperfServerOutput(stdout: string, stderr: string, exitCode: number | null): IperfServerResult {
  const text = `${stdout}\n${stderr}`;
  const listening = listeningPattern.test(stdout);
  const accepted = /^Accepted connection from /m.test(stdout);
  const errorLine = stderr.split('\n').find((l) => /error|unrecognized|invalid|not found|No such file/i.test(l)) ?? '';
  let problem: IperfProblem | null = null;
  if (isMissing('iperf3', text, exitCode)) problem = 'iperfMissing';
  else if (!listening && badOptionPattern.test(text)) problem = 'badOptions';
  else if (errorLine !== '') problem = classifyIperfError(errorLine, exitCode);
  else if (exitCode === 124) problem = accepted ? 'timeout' : 'noClient';
  else if (exitCode !== 0 && exitCode !== null) problem = listening ? 'other' : 'noResult';
  return { listening, accepted, problem, detail: problem === null ? '' : short(errorLine || stderr) };
}

/** One ping run's result: verify's PingResult without the TCP check. */
export type MeasurePingResult = Omit<PingResult, 'tcp'>;

/**
 * Reads ping's summary with verify's parser (verify/probe.ts parsePingOutput), adding what only a bare run can
 * show: ping missing on the machine (exit 127). `address` is the address pinged.
 */
export function parsePingCommandOutput(address: string, stdout: string, stderr: string, exitCode: number | null): MeasurePingResult {
  const lines = `${stdout}\n${stderr}`.split('\n').map((l) => l.replace(/\r$/, ''));
  const parsed = parsePingOutput(canonicalIp(address) ?? address, lines, exitCode);
  if (parsed.sent === 0 && isMissing('ping', lines.join('\n'), exitCode)) return { ...parsed, problem: 'pingMissing', detail: short(stderr) };
  return parsed;
}

/** What one pair's runs came to, as it is kept (schema.ts); `measuredAt` is the caller's clock (ms). */
export function toLinkMeasurement(pair: Pick<LinkMeasurement, 'from' | 'to' | 'address'>, iperf: IperfResult | null, ping: MeasurePingResult | null, measuredAt: number): LinkMeasurement {
  const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  const mbps = (flow: IperfFlow | null | undefined) => (flow == null ? null : round(flow.receivedMbps, 3));
  const seconds = iperf?.forward?.seconds ?? iperf?.reverse?.seconds ?? null;
  const replies = ping !== null && ping.received > 0;
  return {
    ...pair,
    measuredAt: Math.max(0, Math.round(measuredAt)),
    seconds: seconds === null || seconds <= 0 ? null : round(seconds, 3),
    forwardMbps: mbps(iperf?.forward),
    reverseMbps: mbps(iperf?.reverse),
    forwardRetransmits: iperf?.forward?.retransmits ?? null,
    reverseRetransmits: iperf?.reverse?.retransmits ?? null,
    rttMinMs: replies ? ping.rttMinMs : null,
    rttAvgMs: replies ? ping.rttAvgMs : null,
    rttMaxMs: replies ? ping.rttMaxMs : null,
    lossPercent: ping === null || ping.sent === 0 ? null : ping.lossPercent,
    pingsSent: ping?.sent ?? 0,
    iperfProblem: iperf === null ? null : iperf.problem,
    pingProblem: ping?.problem ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Problems in words: what happened, why, what to do (STYLE.md section 7).

/** What a problem sentence needs: the machines by name, the port and the address. */
export interface ProblemContext {
  /** The machine that ran the client and the pings. */
  from: string;
  /** The machine that ran the server (and was pinged). */
  to: string;
  address: string;
  port: number;
  seconds: number;
  /** Which end reported the problem: the client runs on `from`, the server on `to`. */
  side: 'client' | 'server';
  /** The tool's own words, shown after the sentence when there are any. */
  detail: string;
}

function withDetail(sentence: string, detail: string): string {
  return detail === '' ? sentence : `${sentence} (${detail.replace(/\.$/, '')}.)`;
}

/** A sentence for an iperf3 problem. */
export function describeIperfProblem(problem: IperfProblem, ctx: ProblemContext): string {
  const from = quote(ctx.from);
  const to = quote(ctx.to);
  const own = ctx.side === 'server' ? to : from;
  const sentences: Record<IperfProblem, string> = {
    iperfMissing: `iperf3 is not installed on ${own}, so the throughput could not be measured. Add pkgs.iperf3 to its environment.systemPackages (machines/<name>/configuration.nix), deploy, then measure again.`,
    badOptions: `The iperf3 on ${own} is too old for this test (sending both ways at once needs iperf3 3.7 or newer). Update NixOS on it, or measure one direction at a time.`,
    serverBusy: `The iperf3 server on ${to} was busy with another test: it serves one test at a time. Wait until the other measurement has finished, then measure again.`,
    portInUse: `Port ${ctx.port} on ${to} is taken by another program, so the iperf3 server could not start. Choose another port and measure again.`,
    addressNotHere: `The overlay address ${ctx.address} is not on ${to}, so the iperf3 server could not listen on it: the VPN is not up there. Run Verify to see why, then measure again.`,
    connectionRefused: `${to} refused the connection to port ${ctx.port} on ${ctx.address}: the iperf3 server was not running, or a firewall on ${to} rejects the port. Open TCP port ${ctx.port} on the VPN's interface of ${to} (networking.firewall.interfaces), then measure again.`,
    unreachable: `${from} has no way to ${ctx.address} (${to}) over the overlay. Run Verify to see which machines reach each other, then measure again.`,
    timeout: `The throughput test from ${from} to ${to} did not finish within its time limit (${ctx.seconds} s and the wait around it): most likely a firewall on ${to} drops TCP port ${ctx.port}, or the link stalled. Open the port on the VPN's interface of ${to} (networking.firewall.interfaces), then measure again.`,
    noClient: `The iperf3 server on ${to} waited its whole time limit and no test from ${from} arrived. The client's own result says why.`,
    controlLost: `iperf3 lost its own control connection between ${from} and ${to} during the test, so there is no result. The link dropped out for a moment; measure again.`,
    other: `iperf3 between ${from} and ${to} failed with an error the app does not know.`,
    noResult: `iperf3 between ${from} and ${to} ended without a result the app can read.`,
  };
  return withDetail(sentences[problem], ctx.detail);
}

/** A sentence for a ping problem. */
export function describePingProblem(problem: PingProblem, ctx: Omit<ProblemContext, 'port' | 'seconds' | 'side'>): string {
  const from = quote(ctx.from);
  const to = quote(ctx.to);
  const sentences: Record<PingProblem, string> = {
    pingMissing: `ping is not installed on ${from}, so the round trip and loss could not be measured. Add pkgs.iputils to its environment.systemPackages, deploy, then measure again.`,
    permission: `ping on ${from} may not send pings (it lacks the capability to open its socket). Check that ping is NixOS's own wrapped ping (/run/wrappers/bin/ping).`,
    unreachable: `${from} has no way to ${ctx.address} (${to}) over the overlay. Run Verify to see which machines reach each other, then measure again.`,
    badOptions: `ping on ${from} does not take the measurement's options (an interval under 0.2 s needs a newer ping). Use 0.2 s between pings.`,
    timeout: `ping from ${from} to ${to} did not finish within its time limit, so there is no summary. Measure again with fewer pings.`,
    noResult: `ping from ${from} to ${to} ended without a summary the app can read.`,
    refused: `The address ${ctx.address} was refused before it reached ping.`,
  };
  return withDetail(sentences[problem], ctx.detail);
}
