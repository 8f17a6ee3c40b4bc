import { quote } from '../text';
import type { RefusalReason } from '../verify/errors';
import { replaceControlCharacters } from '../verify/text';

// Why "Measure my network" (issue 15) refused to build a command or to accept a pair, as values (STYLE.md section
// 7): a code plus the details a message needs. These are refusals of input before anything runs on a machine. What
// a machine answers (iperf3 missing, a busy server, a refused connection) is never an error here: it is a state of
// the result (IperfProblem, PingProblem in commands.ts), described by describeIperfProblem / describePingProblem.

/** Why an address is refused: verify's reasons (probe.ts refuseProbeAddress), plus one that only matters for a measurement. */
export type AddressRefusal = Exclude<RefusalReason, 'notAbsolute'> | 'localOnly';

/** Why a picked pair is refused. */
export type PairRefusal =
  /** The design has no machine with this id (it was deleted since the pair was picked). */
  | 'unknownMachine'
  /** Both ends are the same machine. */
  | 'sameMachine'
  /** The machine holds no role in the design's VPN, so it has no overlay address. */
  | 'notMember'
  /** The machine is not managed by the app (a phone): it cannot be logged in to, so nothing can run on it. */
  | 'unmanaged'
  /** The machine has no SSH address, or the app has no way to reach it. */
  | 'noSshWay'
  /** The same ordered pair was picked twice. */
  | 'duplicate';

/** A refused pair, with the machines' names as the design has them (or the id when the machine is gone). */
export interface RefusedPair {
  from: string;
  to: string;
  reason: PairRefusal;
  /** The machine the reason is about (for sameMachine and duplicate: `from`). */
  machine: string;
}

/** Every reason a measurement is refused before it starts. */
export const measureErrorCodes = [
  /** The design has no VPN, so there is no overlay to measure. */
  'noVpn',
  /** A value for a command is refused. details: what, value, reason. */
  'valueRefused',
  /** A number for a command is out of range. details: what, value, min, max. */
  'outOfRange',
  /** No pair to measure. details: why. */
  'noPairs',
  /** More pairs than one measurement takes. details: count, limit. */
  'tooManyPairs',
  /** Some picked pairs cannot be measured. details: pairs (each with its reason). */
  'pairsRefused',
] as const;

/** One measure error code. */
export type MeasureErrorCode = (typeof measureErrorCodes)[number];

/** A number a measurement command takes. */
export type MeasureNumber = 'port' | 'seconds' | 'count' | 'interval';

/** A measure error: the code and what the message needs. */
export type MeasureError =
  | { code: 'noVpn'; details: Record<string, never> }
  | { code: 'valueRefused'; details: { what: 'address'; value: string; reason: AddressRefusal } }
  | { code: 'outOfRange'; details: { what: MeasureNumber; value: number; min: number; max: number } }
  | { code: 'noPairs'; details: { why: string } }
  | { code: 'tooManyPairs'; details: { count: number; limit: number } }
  | { code: 'pairsRefused'; details: { pairs: RefusedPair[] } };

const addressReasons: Record<AddressRefusal, string> = {
  empty: 'it is empty',
  option: "it starts with '-', so the program would read it as an option",
  notAnAddress: 'it is not a plain IPv4 or IPv6 address',
  controlCharacter: 'it contains a line break or another control character',
  localOnly: 'it only means something on one machine or one link (loopback or link-local), so it would not measure the network',
};

const numberWords: Record<MeasureNumber, (value: number, min: number, max: number) => string> = {
  port: (v, min, max) => `${v} is not a TCP port the measurement may use (${min} to ${max})`,
  seconds: (v, min, max) => `${v} s is outside the ${min} to ${max} s a throughput test may run`,
  count: (v, min, max) => `${v} pings is outside ${min} to ${max}`,
  interval: (v, min, max) => `${v} s between pings is outside ${min} to ${max} s`,
};

const pairReasons: Record<PairRefusal, (machine: string) => string> = {
  unknownMachine: (m) => `the design has no machine ${m} any more`,
  sameMachine: (m) => `both ends are ${m}`,
  notMember: (m) => `${m} is not a member of the VPN, so it has no overlay address`,
  unmanaged: (m) => `${m} is not managed by the app, so nothing can be run on it`,
  noSshWay: (m) => `the app has no SSH way to ${m} (no SSH address, or no route to it)`,
  duplicate: () => 'it was picked twice',
};

/** Shows a refused value safely: control characters as \n, \t or \u{…}, and cut after 60 characters. */
function shown(value: string): string {
  const visible = replaceControlCharacters(value, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u{${c.charCodeAt(0).toString(16)}}`));
  return quote(visible.length > 60 ? `${visible.slice(0, 60)}…` : visible);
}

/** One refused pair in words: '"pi" → "nas": "pi" is not a member of the VPN, ...'. */
export function describeRefusedPair(pair: RefusedPair): string {
  return `${quote(pair.from)} → ${quote(pair.to)}: ${pairReasons[pair.reason](quote(pair.machine))}`;
}

/** A message for a measure error: what happened, why, what to do. */
export function describeMeasureError(error: MeasureError): string {
  switch (error.code) {
    case 'noVpn':
      return 'The design has no VPN, so there is no overlay network to measure. Choose a VPN, deploy it, then measure.';
    case 'valueRefused': {
      const { value, reason } = error.details;
      return `The address ${shown(value)} was not passed to the machine because ${addressReasons[reason]}. Nothing was run. If the address came from the VPN itself, run Verify first; if it still happens, use "Copy details" and report it.`;
    }
    case 'outOfRange': {
      const { what, value, min, max } = error.details;
      return `${numberWords[what](value, min, max)}, so the measurement was not started. Choose a value in that range.`;
    }
    case 'noPairs':
      return `There is nothing to measure: ${error.details.why} Pick a pair of machines by hand, or add a machine to the VPN in another site.`;
    case 'tooManyPairs':
      return `${error.details.count} pairs were picked, more than the ${error.details.limit} one measurement runs (each pair takes a few seconds, one after the other). Pick fewer pairs.`;
    case 'pairsRefused': {
      const list = error.details.pairs.map(describeRefusedPair);
      const shownList = list.length > 5 ? [...list.slice(0, 5), `and ${list.length - 5} more`] : list;
      return `${list.length === 1 ? 'A picked pair cannot' : `${list.length} picked pairs cannot`} be measured, so nothing was started: ${shownList.join('; ')}. Remove ${list.length === 1 ? 'it' : 'them'} or fix the design, then measure again.`;
    }
  }
}
