import { err, ok, type Result } from '../result';
import type { VerifyError } from './errors';
import { canonicalIp, isIpAddress } from './ip';
import { hasControlCharacter } from './text';

// The probe (issue 15, "Verify and measure"): ONE bounded command per machine that pings every other machine's
// overlay address at once, and the parser of what it prints. Like the deploy's scripts (deploy/commands.ts), the
// script is a fixed text written here; the addresses reach it only as positional parameters ("$@") of
// `sh -c SCRIPT sh COUNT PORT ADDRESS...`, after being checked to be plain IPv4/IPv6 addresses, and the script
// checks them again before use. Nothing from the design or from a machine's answers is ever spliced into it.
//
// Facts the script relies on:
//   - iputils ping (Debian 12: 20221126; NixOS): -n numeric, -q summary only, -c count, -W seconds to wait for a
//     reply, -i interval (under 2 ms only for root, MINUSERINTERVAL in ping/ping.h, so 0.2 s works for everyone),
//     -4/-6; summary "N packets transmitted, M received, [+E errors, ]L% packet loss, time Tms" and
//     "rtt min/avg/max/mdev = a/b/c/d ms" (ping/ping_common.c). Messages are translated, hence LC_ALL=C.
//   - BusyBox ping (networking/ping.c, 1.30 and newer): the same options (-n is accepted, -i takes fractions via
//     parse_duration_str); summary "N packets transmitted, M packets received, L% packet loss" and
//     "round-trip min/avg/max = a/b/c ms".
//   - `timeout SECONDS CMD` (coreutils; BusyBox 1.30+) bounds each ping, when it works here; old BusyBox needs
//     `-t`, so the script tries it first and goes without when it fails. Each ping is bounded by -c and -W anyway.
//   - `nc -z -w 2 ADDRESS PORT` (OpenBSD netcat, BusyBox nc) for the optional TCP check; `sh` has no /dev/tcp.

/** Pings per address unless asked otherwise, and the allowed range. */
export const probeCountRange = { min: 1, max: 20, default: 5 } as const;
/** The most addresses one probe pings. */
export const probeTargetLimit = 512;
/** Seconds between pings (-i) and to wait for a reply (-W). */
export const probeTiming = { intervalSeconds: 0.2, waitSeconds: 1 } as const;

/**
 * The probe script. $1 is the ping count, $2 the TCP port to try (0 for none), the rest the addresses. Every line
 * it prints starts with a keyword and, for results, the address it is about, so results that finish at the same
 * time can interleave by line without getting mixed up:
 *   cnd-probe start 1 | cnd-probe no-ping | cnd-probe no-nc | cnd-probe refused WHAT | cnd-probe end
 *   ping ADDRESS | LINE        (each line ping printed)
 *   ping ADDRESS exit CODE
 *   tcp ADDRESS PORT open|closed
 */
export const PROBE_SCRIPT = [
  'export LC_ALL=C',
  'n=$1',
  'port=$2',
  'shift 2',
  "case $n in ''|*[!0-9]*) echo 'cnd-probe refused count'; exit 2 ;; esac",
  "case $port in ''|*[!0-9]*) echo 'cnd-probe refused port'; exit 2 ;; esac",
  "echo 'cnd-probe start 1'",
  "if ! command -v ping >/dev/null 2>&1; then echo 'cnd-probe no-ping'; echo 'cnd-probe end'; exit 0; fi",
  "if [ \"$port\" != 0 ] && ! command -v nc >/dev/null 2>&1; then echo 'cnd-probe no-nc'; port=0; fi",
  't=',
  'if timeout 5 true >/dev/null 2>&1; then t="timeout $((n / 5 + 5))"; fi',
  'for a in "$@"; do',
  "  case $a in ''|-*|*[!0-9A-Fa-f.:]*) echo 'cnd-probe refused address'; continue ;; esac",
  '  (',
  '    case $a in *:*) f=-6 ;; *) f=-4 ;; esac',
  '    out=$($t ping "$f" -n -q -c "$n" -W 1 -i 0.2 "$a" 2>&1)',
  '    rc=$?',
  "    printf '%s\\n' \"$out\" | while IFS= read -r l; do printf 'ping %s | %s\\n' \"$a\" \"$l\"; done",
  "    printf 'ping %s exit %s\\n' \"$a\" \"$rc\"",
  '    if [ "$port" != 0 ]; then',
  '      if $t nc -z -w 2 "$a" "$port" >/dev/null 2>&1; then r=open; else r=closed; fi',
  "      printf 'tcp %s %s %s\\n' \"$a\" \"$port\" \"$r\"",
  '    fi',
  '  ) &',
  'done',
  'wait',
  "echo 'cnd-probe end'",
].join('\n');

/** What the probe may be asked besides the addresses. */
export interface ProbeOptions {
  /** Pings per address; default 5. */
  count?: number;
  /** A TCP port to try to connect to on every address after the pings (for example 22), or null for none. */
  tcpPort?: number | null;
}

/** Why an address is not passed to the probe, or null when it may be. */
export function refuseProbeAddress(address: string): 'empty' | 'option' | 'controlCharacter' | 'notAnAddress' | null {
  if (address === '') return 'empty';
  if (address.startsWith('-')) return 'option';
  if (hasControlCharacter(address)) return 'controlCharacter';
  if (!isIpAddress(address)) return 'notAnAddress';
  return null;
}

/**
 * The probe as argv: `sh -c PROBE_SCRIPT sh COUNT PORT ADDRESS...`. Addresses are written in their canonical form
 * (duplicates once), and the parser matches results by that form. Refused (as a value) when an address is not a
 * plain IPv4/IPv6 address, or the count or port is out of range.
 */
export function probeArgv(addresses: readonly string[], options: ProbeOptions = {}): Result<string[], VerifyError> {
  const count = options.count ?? probeCountRange.default;
  if (!Number.isInteger(count) || count < probeCountRange.min || count > probeCountRange.max) {
    return err({ code: 'outOfRange', details: { what: 'count', value: count, min: probeCountRange.min, max: probeCountRange.max } });
  }
  const port = options.tcpPort ?? null;
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) return err({ code: 'outOfRange', details: { what: 'port', value: port, min: 1, max: 65535 } });
  const targets: string[] = [];
  for (const address of addresses) {
    const refused = refuseProbeAddress(address);
    if (refused !== null) return err({ code: 'valueRefused', details: { what: 'address', value: address, reason: refused } });
    const canonical = canonicalIp(address)!;
    if (!targets.includes(canonical)) targets.push(canonical);
  }
  if (targets.length > probeTargetLimit) return err({ code: 'tooManyTargets', details: { count: targets.length, limit: probeTargetLimit } });
  return ok(['sh', '-c', PROBE_SCRIPT, 'sh', String(count), String(port ?? 0), ...targets]);
}

/** The longest the probe can take, in seconds, for the job's time limit: pings, the reply wait, the TCP check. */
export function probeDurationLimitSeconds(options: ProbeOptions = {}): number {
  const count = options.count ?? probeCountRange.default;
  // The script's own `timeout` per ping (n / 5 + 5), plus `nc -w 2`, plus start-up.
  return Math.floor(count / 5) + 5 + (options.tcpPort == null ? 0 : 2) + 3;
}

/**
 * Why a ping has no clean result:
 * pingMissing: the machine has no ping; permission: ping may not open its socket;
 * unreachable: the network said the address cannot be reached (no route, ICMP unreachable);
 * badOptions: this ping does not take the probe's options (an old BusyBox);
 * timeout: ping was stopped by the time limit; noResult: the probe ended (or was cut off) before this address;
 * refused: the script refused the address (it never should: the argv builder checks first).
 */
export type PingProblem = 'pingMissing' | 'permission' | 'unreachable' | 'badOptions' | 'timeout' | 'noResult' | 'refused';

/** The result for one address. */
export interface PingResult {
  address: string;
  sent: number;
  received: number;
  /** 0 to 100, one decimal; 100 when nothing was sent. */
  lossPercent: number;
  rttMinMs: number | null;
  rttAvgMs: number | null;
  rttMaxMs: number | null;
  problem: PingProblem | null;
  /** ping's own words when something went wrong (its first error line), else ''. */
  detail: string;
  /** The TCP check, when asked: 'ncMissing' when the machine has no nc. */
  tcp: { port: number; state: 'open' | 'closed' | 'ncMissing' } | null;
}

/** What one probe found. */
export interface ProbeReport {
  /** The script ran to its end (not cut off by a lost connection or a time limit). */
  complete: boolean;
  pingMissing: boolean;
  ncMissing: boolean;
  /** One result per address asked, in the order asked. */
  results: PingResult[];
}

const summaryPattern = /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) duplicates)?(?:, \+\d+ corrupted)?(?:, \+(\d+) errors)?/;
const rttPattern = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)/;
const permissionPattern = /Operation not permitted|permission denied|can't create raw socket|missing cap_net_raw/i;
const unreachablePattern = /Network is unreachable|No route to host|Destination (?:Host|Net|Port) Unreachable|Host is down|Address family not supported|Cannot assign requested address/i;
const badOptionsPattern = /invalid option|unrecognized option|illegal option|^Usage:|bad timing interval/im;

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** The first line of ping's output that says something went wrong. */
function errorLine(lines: readonly string[]): string {
  const line = lines.find((l) => /^ping:|unreachable|not permitted|denied|invalid|Usage/i.test(l)) ?? lines.find((l) => l.trim() !== '' && !/^PING |^---|packets transmitted|min\/avg\/max/.test(l)) ?? '';
  return line.length > 160 ? `${line.slice(0, 160)}…` : line.trim();
}

/** Reads one ping's output and exit code into a result. */
export function parsePingOutput(address: string, lines: readonly string[], exitCode: number | null): Omit<PingResult, 'tcp'> {
  const text = lines.join('\n');
  const summary = summaryPattern.exec(text);
  const rtt = rttPattern.exec(text);
  const sent = summary === null ? 0 : Number(summary[1]);
  const received = summary === null ? 0 : Math.min(Number(summary[2]), sent);
  const errors = summary?.[4] === undefined ? 0 : Number(summary[4]);
  const lossPercent = sent === 0 ? 100 : round1(((sent - received) / sent) * 100);
  const stats = {
    address,
    sent,
    received,
    lossPercent,
    rttMinMs: rtt === null || received === 0 ? null : Number(rtt[1]),
    rttAvgMs: rtt === null || received === 0 ? null : Number(rtt[2]),
    rttMaxMs: rtt === null || received === 0 ? null : Number(rtt[3]),
  };
  let problem: PingProblem | null = null;
  if (summary === null && exitCode === 124) problem = 'timeout';
  else if (received === 0 && permissionPattern.test(text)) problem = 'permission';
  else if (summary === null && badOptionsPattern.test(text)) problem = 'badOptions';
  else if (received === 0 && (errors > 0 || unreachablePattern.test(text))) problem = 'unreachable';
  // No summary and nothing recognisable: ping was cut off (or printed something unknown, kept in detail).
  else if (summary === null) problem = 'noResult';
  return { ...stats, problem, detail: problem === null && received > 0 ? '' : errorLine(lines) };
}

/**
 * Reads the probe's output into one result per address asked (`addresses`, in any spelling; matched by their
 * canonical form). Never throws: lines it does not know are ignored, and an address without a result gets
 * problem 'noResult' (or 'pingMissing' when the machine has no ping).
 */
export function parseProbeOutput(stdout: string, addresses: readonly string[], options: ProbeOptions = {}): ProbeReport {
  const lines = new Map<string, string[]>();
  const exits = new Map<string, number>();
  const tcp = new Map<string, 'open' | 'closed'>();
  let complete = false;
  let pingMissing = false;
  let ncMissing = false;
  let refused = false;
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === 'cnd-probe end') complete = true;
    else if (line === 'cnd-probe no-ping') pingMissing = true;
    else if (line === 'cnd-probe no-nc') ncMissing = true;
    else if (line.startsWith('cnd-probe refused')) refused = true;
    let m = /^ping (\S+) \| (.*)$/.exec(line);
    if (m !== null) {
      const key = canonicalIp(m[1]!);
      if (key !== null) (lines.get(key) ?? lines.set(key, []).get(key)!).push(m[2]!);
      continue;
    }
    m = /^ping (\S+) exit (\d+)$/.exec(line);
    if (m !== null) {
      const key = canonicalIp(m[1]!);
      if (key !== null && !exits.has(key)) exits.set(key, Number(m[2]));
      continue;
    }
    m = /^tcp (\S+) \d+ (open|closed)$/.exec(line);
    if (m !== null) {
      const key = canonicalIp(m[1]!);
      if (key !== null) tcp.set(key, m[2] as 'open' | 'closed');
    }
  }
  const port = options.tcpPort ?? null;
  const results = addresses.map((address): PingResult => {
    const key = canonicalIp(address) ?? address;
    const tcpResult: PingResult['tcp'] = port === null ? null : { port, state: ncMissing ? 'ncMissing' : (tcp.get(key) ?? 'closed') };
    if (pingMissing) {
      return { address: key, sent: 0, received: 0, lossPercent: 100, rttMinMs: null, rttAvgMs: null, rttMaxMs: null, problem: 'pingMissing', detail: 'ping is not installed', tcp: tcpResult };
    }
    const exit = exits.get(key);
    const own = lines.get(key) ?? [];
    if (exit === undefined && own.length === 0) {
      const problem: PingProblem = refused ? 'refused' : 'noResult';
      return { address: key, sent: 0, received: 0, lossPercent: 100, rttMinMs: null, rttAvgMs: null, rttMaxMs: null, problem, detail: '', tcp: port === null ? null : tcp.has(key) ? tcpResult : null };
    }
    return { ...parsePingOutput(key, own, exit ?? null), tcp: tcpResult };
  });
  return { complete, pingMissing, ncMissing, results };
}
