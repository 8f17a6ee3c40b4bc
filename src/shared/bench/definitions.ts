import type { FailureCategory, FailureCategoryInfo, Flag, FlagId, Metric, MetricId, ProfileId, Workload } from './schema';

// The words around the numbers: what each workload, metric, profile, failure category and flag means. The importer
// copies these into the dataset so the file explains itself; the UI reads them from the dataset. Written for
// self-hosters choosing a VPN, not for network engineers.

type MetricDef = Omit<Metric, 'id'>;

const metric = (id: MetricId, def: MetricDef): Metric => ({ id, ...def });

/** Workload definitions in display order, including their secondary metrics. */
export const workloadDefinitions: readonly Workload[] = [
  {
    id: 'tcp',
    label: 'Single-stream TCP',
    unit: 'Mbit/s',
    direction: 'higherIsBetter',
    description:
      'One TCP connection per pair for 30 s (iperf3, sending in both directions at once). The value is what the client sent towards the server; the machines have 1 Gbit/s network cards.',
    aggregate: 'mean',
    baselineOnly: false,
    metrics: [
      metric('reverseMbps', {
        label: 'Reverse direction',
        unit: 'Mbit/s',
        direction: 'higherIsBetter',
        description: 'What the server sent back to the client during the same 30 s.',
      }),
      metric('retransmits', {
        label: 'Retransmitted segments',
        unit: 'count',
        direction: 'lowerIsBetter',
        description: 'TCP segments the sender had to send again in 30 s.',
      }),
      metric('loadedRttMs', {
        label: 'Round trip under load',
        unit: 'ms',
        direction: 'lowerIsBetter',
        description: 'Mean round-trip time the kernel saw on the busy connection; compare with the ping time to see queueing.',
      }),
    ],
  },
  {
    id: 'parallelTcp',
    label: 'Parallel TCP',
    unit: 'Mbit/s',
    direction: 'higherIsBetter',
    description:
      'All three pairs run a TCP transfer at the same time for 60 s. Each pair value is one transfer; the headline is the sum of all three.',
    caveat: 'The sum is only given when all three transfers succeeded; a sum over fewer transfers is not comparable.',
    aggregate: 'sum',
    baselineOnly: false,
    metrics: [],
  },
  {
    id: 'udp',
    label: 'UDP',
    unit: 'Mbit/s',
    direction: 'higherIsBetter',
    description:
      'UDP sent as fast as the client can for 30 s (iperf3 with no rate limit, both directions). The value is what arrived at the server.',
    caveat:
      'The unlimited send rate overloads every VPN that runs in user space, and the flood often breaks the test tool itself; failed UDP pairs say little about the VPN.',
    aggregate: 'mean',
    baselineOnly: false,
    metrics: [
      metric('offeredMbps', {
        label: 'Sent into the tunnel',
        unit: 'Mbit/s',
        direction: 'higherIsBetter',
        description: 'What the client pushed into the VPN; far above the received rate when the VPN cannot keep up.',
      }),
      metric('overloadDropPercent', {
        label: 'Dropped under overload',
        unit: '%',
        direction: 'lowerIsBetter',
        description: 'Share of the sent datagrams that never arrived.',
        caveat:
          'This is not network loss: the test sends without a rate limit, so it measures how much a VPN throws away when offered more than it can forward.',
      }),
      metric('jitterMs', {
        label: 'Jitter',
        unit: 'ms',
        direction: 'lowerIsBetter',
        description: 'Variation of the arrival times of the datagrams that did arrive.',
      }),
      metric('hostCpuPercent', {
        label: 'Client CPU',
        unit: '%',
        direction: 'lowerIsBetter',
        description: 'CPU use of the sending machine during the test, in % of the whole machine.',
      }),
    ],
  },
  {
    id: 'pingRtt',
    label: 'Ping round trip',
    unit: 'ms',
    direction: 'lowerIsBetter',
    description: 'Average round-trip time of 3 × 100 pings (one every 0.2 s) through the VPN.',
    aggregate: 'mean',
    baselineOnly: false,
    metrics: [
      metric('jitterMs', {
        label: 'Jitter',
        unit: 'ms',
        direction: 'lowerIsBetter',
        description: 'Standard deviation of the round-trip times reported by ping.',
      }),
      metric('worstRttMs', {
        label: 'Worst round trip',
        unit: 'ms',
        direction: 'lowerIsBetter',
        description: 'The slowest single reply.',
      }),
    ],
  },
  {
    id: 'pingLoss',
    label: 'Ping loss',
    unit: '%',
    direction: 'lowerIsBetter',
    description: 'Share of the 300 pings per pair that got no reply.',
    aggregate: 'mean',
    baselineOnly: false,
    metrics: [],
  },
  {
    id: 'quic',
    label: 'QUIC',
    unit: 'Mbit/s',
    direction: 'higherIsBetter',
    description: 'QUIC transfer with eight parallel connections for 30 s (the qperf QUIC benchmark).',
    caveat: 'Even without a VPN the first byte takes about 17 ms, so compare the numbers with each other, not with an ideal.',
    aggregate: 'mean',
    baselineOnly: false,
    metrics: [
      metric('ttfbMs', {
        label: 'Time to first byte',
        unit: 'ms',
        direction: 'lowerIsBetter',
        description: 'Time from opening a QUIC connection to the first data, averaged over the eight connections.',
      }),
      metric('cpuPercent', {
        label: 'CPU per connection',
        unit: '%',
        direction: 'lowerIsBetter',
        description: 'CPU use of one QUIC connection, in % of one core.',
      }),
    ],
  },
  {
    id: 'video',
    label: 'Video streaming',
    unit: 'score',
    direction: 'higherIsBetter',
    description:
      'A 30 s live video stream sent over RIST. The value is the receiver’s link-quality score from 0 to 100, where 100 means nothing went missing.',
    caveat: 'The stream runs at about 3.35 Mbit/s, so this tests loss and delay at a low rate, not bandwidth.',
    aggregate: 'mean',
    baselineOnly: false,
    metrics: [
      metric('ristRttMs', {
        label: 'RIST round trip',
        unit: 'ms',
        direction: 'lowerIsBetter',
        description: 'The streaming protocol’s own round-trip estimate.',
      }),
      metric('receivedKbps', {
        label: 'Received bitrate',
        unit: 'kbit/s',
        direction: 'higherIsBetter',
        description: 'Bitrate that reached the receiver; the sender produces about 3 350 kbit/s.',
      }),
    ],
  },
  {
    id: 'nixCache',
    label: 'Nix cache download',
    unit: 's',
    direction: 'lowerIsBetter',
    description: 'Time to copy the Firefox package closure from a Nix binary cache on the other machine, over HTTP through the VPN.',
    caveat: 'The harness gives up after a time limit (700 s in most runs); a timeout means the download did not finish in that time.',
    aggregate: 'mean',
    baselineOnly: false,
    metrics: [],
  },
  {
    id: 'connectAfterDeploy',
    label: 'Connect time after deploy',
    unit: 's',
    direction: 'lowerIsBetter',
    description:
      'Time from the end of the deployment until a machine reaches both other machines through the VPN (the slower of the two, averaged over the three machines).',
    caveat:
      'The check first waits until the plain network answers, so the time includes that wait; it is measured in steps of about 1 s.',
    aggregate: 'mean',
    baselineOnly: true,
    metrics: [
      metric('publicWaitSeconds', {
        label: 'Wait for the plain network',
        unit: 's',
        direction: 'lowerIsBetter',
        description: 'The part of the time spent waiting for the machines’ public addresses; the rest is the VPN’s own share.',
      }),
    ],
  },
  {
    id: 'connectAfterReboot',
    label: 'Connect time after reboot',
    unit: 's',
    direction: 'lowerIsBetter',
    description:
      'Time from boot until a machine reaches both other machines through the VPN (the slower of the two, averaged over the three machines).',
    caveat:
      'The check first waits until the plain network answers, so the time includes that wait; it is measured in steps of about 1 s.',
    aggregate: 'mean',
    baselineOnly: true,
    metrics: [
      metric('publicWaitSeconds', {
        label: 'Wait for the plain network',
        unit: 's',
        direction: 'lowerIsBetter',
        description: 'The part of the time spent waiting for the machines’ public addresses; the rest is the VPN’s own share.',
      }),
    ],
  },
];

/** Labels and descriptions of the four profiles (their settings come from the source data). */
export const profileTexts: Readonly<Record<ProfileId, { label: string; description: string }>> = {
  baseline: { label: 'Baseline', description: 'The plain link between the data-centre machines, with no added impairment.' },
  low: { label: 'Low impairment', description: 'A good home connection: a little added delay, jitter, loss and reordering.' },
  medium: { label: 'Medium impairment', description: 'A mediocre connection, such as busy Wi-Fi or a congested uplink.' },
  high: { label: 'High impairment', description: 'A bad connection, such as a weak mobile signal.' },
};

const failureTexts: Readonly<Record<FailureCategory, { label: string; explanation: string }>> = {
  timeout: { label: 'Timed out', explanation: 'The test harness stopped the test at its time limit before it finished.' },
  connectFailed: {
    label: 'Could not connect',
    explanation: 'The test client could not open a connection to its server through the VPN.',
  },
  controlLost: {
    label: 'Test tool lost contact',
    explanation:
      'The test tool lost its own control connection during the test, usually because the UDP flood starved it. This is a weakness of the test, not necessarily of the VPN.',
  },
  transferFailed: { label: 'Transfer broke off', explanation: 'The download started but failed part-way: data arrived cut off or stopped arriving.' },
  clientError: { label: 'Client-side error', explanation: 'The download client failed on its own machine (a local file error), not on the network.' },
  noResult: {
    label: 'No usable result',
    explanation: 'The tool ended without a result the harness could read, after every retry. The underlying cause was not recorded.',
  },
  noReplies: { label: 'No replies', explanation: 'Every ping went unanswered, so there is no round-trip time.' },
  neverConnected: { label: 'Never connected', explanation: 'The connection check never reached the other machines through the VPN.' },
  missing: { label: 'No data', explanation: 'The result of this pair is missing from the published benchmark data.' },
  other: { label: 'Other error', explanation: 'The test failed for a reason the importer does not classify.' },
};

/** Failure categories with their meaning, in schema order. */
export const failureCategoryDefinitions: readonly FailureCategoryInfo[] = (Object.keys(failureTexts) as FailureCategory[]).map((id) => ({
  id,
  ...failureTexts[id],
}));

const flagTexts: Readonly<Record<FlagId, { title: string; explanation: string }>> = {
  partialPairs: {
    title: 'Not every pair succeeded',
    explanation: 'Mean, min and max cover only the pairs that succeeded, so this figure rests on fewer measurements than its neighbours.',
  },
  incompleteAggregate: {
    title: 'Sum not comparable',
    explanation:
      'Not all three transfers succeeded, so there is no total: a sum over fewer transfers would look worse than it is and cannot be compared with full sums.',
  },
  stalledPair: {
    title: 'A pair barely moved data',
    explanation:
      'The test counted as successful, but one pair moved almost nothing (under 0.1 Mbit/s). That pair pulls the mean down; it is a stalled connection, not a slow one.',
  },
  highImpairmentNoise: {
    title: 'Differences are noise here',
    explanation:
      'Under high impairment every VPN, and the bare network too, falls to a few Mbit/s of single-stream TCP. Ranking VPNs by this number is meaningless; look at latency, video quality and whether the Nix download finished instead.',
  },
  wholeRunLost: {
    title: 'A whole ping run got no reply',
    explanation:
      'One of the three runs of 100 pings got no reply at all, which adds 33 % loss for that pair. That is a connection that dropped out for a while, not evenly spread packet loss; the round-trip time leaves that run out.',
  },
  lossMasked: {
    title: 'Loss turned into delay',
    explanation:
      'The emulated network drops packets in this profile, yet this VPN lost (almost) no pings: it resends lost packets on its own links (for example by tunnelling over TCP or QUIC), which shows up as extra delay instead. A low loss figure here does not mean a cleaner path.',
  },
  bimodalLatency: {
    title: 'Pairs took very different routes',
    explanation:
      'Some pairs were more than twice as slow as others. The mean is a latency no connection actually had; look at the pairs.',
  },
  possiblyRelayed: {
    title: 'Possibly relayed',
    explanation:
      'Mycelium was measured before its benchmark setup was changed to use direct connections, so traffic may have gone through relays. Its figures may be worse than a direct setup.',
  },
  brokenVideoStream: {
    title: 'Stream essentially broken',
    explanation:
      'Only a small fraction of the video stream arrived, in every profile. Most likely the stream’s packets do not fit this VPN’s smaller packet size in this setup. It is a real result for this configuration, not a measuring error.',
  },
  bufferedRistRtt: {
    title: 'Round trip includes buffering',
    explanation: 'The streaming protocol reported round trips of more than half a second, which reflects queued and resent data, not the path itself.',
  },
  udpHarnessFailure: {
    title: 'UDP test broke down',
    explanation:
      'Some UDP runs failed because the unlimited flood overwhelmed the test tool (even without a VPN under impairment). Treat the missing pairs as a test failure, not as evidence against the VPN.',
  },
  fragmentedDatagrams: {
    title: 'Oversized datagrams',
    explanation:
      'This VPN reports a large tunnel packet size, so the UDP test sent datagrams bigger than one network packet, which get split and reassembled. Its UDP figures are not comparable with the others.',
  },
  mostlyNetworkWait: {
    title: 'Mostly waiting for the network',
    explanation:
      'Most of this time was spent waiting for the machines’ plain network addresses to answer, before the VPN was even checked. The VPN’s own share is much smaller.',
  },
  laterRerun: {
    title: 'Measured in a later re-run',
    explanation: 'These connection times come from a separate deployment on a later day than the rest of this run’s figures.',
  },
};

/** Flags with their plain-language explanations, in schema order. */
export const flagDefinitions: readonly Flag[] = (Object.keys(flagTexts) as FlagId[]).map((id) => ({ id, ...flagTexts[id] }));
