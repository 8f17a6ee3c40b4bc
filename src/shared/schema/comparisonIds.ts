// The ids and defaults a design file stores in its `comparison` field (since format version 2, AddVpnComparison):
// the leaderboard's profile, weight preset, workload weights and sort, and the advisor's priorities.
//
// A saved file holds these strings, so they are part of the file format: renaming one makes every file that holds
// the old name fail to load, whatever the feature calls it. They live here, in a module that imports nothing, and
// the features (the dataset schema, the leaderboard, the advisor) import them from here, never the other way round.
// Changing a saved id takes a migration step (migrations.ts); comparisonIds.test.ts pins them against the shipped
// step and the fixtures so an accidental rename fails a test.

/** The benchmark's impairment profiles: no impairment, then low, medium and high (the dataset uses the same ids). */
export const profileIds = ['baseline', 'low', 'medium', 'high'] as const;

/** An impairment profile. */
export type ProfileId = (typeof profileIds)[number];

/** The workloads the leaderboard shows as columns and the design keeps a weight for, in display order. */
export const leaderboardWorkloadIds = ['tcp', 'parallelTcp', 'udp', 'pingRtt', 'pingLoss', 'quic', 'video', 'nixCache'] as const;

/** A workload shown as a leaderboard column. */
export type LeaderboardWorkloadId = (typeof leaderboardWorkloadIds)[number];

/** The named weight presets ('custom' is saved once the user changed the weights). */
export const weightPresetIds = ['balanced', 'fileTransfer', 'videoCalls', 'flakyLinks'] as const;

/** A named weight preset. */
export type WeightPresetId = (typeof weightPresetIds)[number];

/** Columns the leaderboard can be sorted by: the score, the series name, or a workload. */
export const sortColumnIds = ['score', 'name', ...leaderboardWorkloadIds] as const;

/** A column the leaderboard can be sorted by. */
export type SortColumn = (typeof sortColumnIds)[number];

/** bestFirst: lowest factor or score first (for 'name': A to Z); worstFirst: the reverse. */
export const sortDirections = ['bestFirst', 'worstFirst'] as const;

/** A sort direction. */
export type SortDirection = (typeof sortDirections)[number];

/** What the user can weigh in the advisor. */
export const priorityIds = ['throughput', 'latency', 'resilience', 'selfHosted', 'clanNative', 'decentralised'] as const;

/** One advisor priority. */
export type PriorityId = (typeof priorityIds)[number];

/** The top priority level (levels are whole numbers 0..MAX_PRIORITY); the file format refuses higher ones. */
export const MAX_PRIORITY = 3;

/** The balanced preset's weights, which a new design starts with: every workload counts the same. */
export const balancedWeights: Readonly<Record<LeaderboardWorkloadId, number>> = { tcp: 1, parallelTcp: 1, udp: 1, pingRtt: 1, pingLoss: 1, quic: 1, video: 1, nixCache: 1 };

/** The sort of a new design: best score first. */
export const defaultSort: Readonly<{ column: SortColumn; direction: SortDirection }> = { column: 'score', direction: 'bestFirst' };

/** The priorities of a new design: performance matters most, a little preference for self-hosted and Clan-native VPNs. */
export const defaultPriorities: Readonly<Record<PriorityId, number>> = { throughput: 2, latency: 2, resilience: 2, selfHosted: 1, clanNative: 1, decentralised: 0 };
