import { z } from 'zod';
import { machineIdSchema } from '../schema/design';

// One measured link of "Measure my network" (issue 15) as it is kept with the design and read by the comparison
// (compare.ts) and the advisor: plain numbers in the benchmark's units (Mbit/s, ms, %), with null for what could
// not be measured and the problem that stopped it. No raw tool output is kept: it can hold addresses and paths.

/** Why iperf3 gave no throughput (commands.ts parses these from its output; describeIperfProblem says them). */
export const iperfProblems = [
  /** iperf3 is not installed on the machine (the command was not found). */
  'iperfMissing',
  /** This iperf3 does not take an option the test needs (--bidir needs iperf3 3.7 or newer). */
  'badOptions',
  /** The one-off server was already serving another test. */
  'serverBusy',
  /** Another program holds the port, so the server could not listen. */
  'portInUse',
  /** The overlay address is not on the server machine (the VPN is down there). */
  'addressNotHere',
  /** Nothing listened on the port (no server, or a firewall that rejects). */
  'connectionRefused',
  /** The network said the address cannot be reached. */
  'unreachable',
  /** The test did not finish within its time limit (a firewall that drops, a stalled link). */
  'timeout',
  /** The server waited its whole time limit and no test arrived. */
  'noClient',
  /** iperf3 lost its own control connection during the test. */
  'controlLost',
  /** iperf3 reported an error the app does not classify (its words are in `detail`). */
  'other',
  /** iperf3 ended without output the app can read. */
  'noResult',
] as const;

/** Why iperf3 gave no throughput. */
export type IperfProblem = (typeof iperfProblems)[number];

/** Why ping gave no clean result: verify's PingProblem (verify/probe.ts), repeated here because it is stored. */
export const pingProblems = ['pingMissing', 'permission', 'unreachable', 'badOptions', 'timeout', 'noResult', 'refused'] as const;

const mbps = z.number().finite().min(0).max(1_000_000);
const ms = z.number().finite().min(0).max(3_600_000);

/** One measured link: `from` ran the iperf3 client and the pings, `to` the one-off iperf3 server. */
export const linkMeasurementSchema = z.object({
  from: machineIdSchema,
  to: machineIdSchema,
  /** The overlay address of `to` the traffic went to. */
  address: z.string().max(64),
  /** When the measurement ended (ms since the epoch). */
  measuredAt: z.number().int().min(0),
  /** How long the throughput test ran, in seconds; null when it did not run. */
  seconds: z.number().finite().positive().max(3600).nullable(),
  /** What arrived at `to` from `from` (Mbit/s, receiver side); null when not measured. */
  forwardMbps: mbps.nullable(),
  /** What arrived at `from` from `to` during the same test (Mbit/s); null when not measured. */
  reverseMbps: mbps.nullable(),
  /** Segments the sender of each direction sent again; null when iperf3 did not say. */
  forwardRetransmits: z.number().int().min(0).nullable(),
  reverseRetransmits: z.number().int().min(0).nullable(),
  /** Fastest, mean and slowest ping round trip (ms); null without a reply. */
  rttMinMs: ms.nullable(),
  rttAvgMs: ms.nullable(),
  rttMaxMs: ms.nullable(),
  /** Share of the pings that got no reply (%); null when ping did not run. */
  lossPercent: z.number().finite().min(0).max(100).nullable(),
  /** Pings sent. */
  pingsSent: z.number().int().min(0).max(100_000),
  iperfProblem: z.enum(iperfProblems).nullable(),
  pingProblem: z.enum(pingProblems).nullable(),
});

/** One measured link. */
export type LinkMeasurement = z.infer<typeof linkMeasurementSchema>;
