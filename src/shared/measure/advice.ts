import { getDesignProfile, type DesignProfile } from '../bench/advisor';
import type { BenchDataset } from '../bench/schema';
import type { Design } from '../model/types';
import { getMeasuredProfile } from './compare';
import type { MeasureReport } from './report';

// What the VPN advisor takes from the newest "Measure my network" run of a design (issue 15): the impairment profile
// its figures come from (the worst measured link decides, compare.ts getMeasuredProfile) instead of the link
// quality drawn in the design, and the line it shows about it: the deciding link's own comparison sentence, such as
// 'Your link from "nas" back to "parents-pi" is slower than WireGuard in the high impairment profile: …'.

/** The advisor's view of a measurement. */
export interface MeasuredAdvice {
  /** Where the advice reads its figures from. */
  readonly profile: DesignProfile;
  /** What the design's drawing alone would have chosen, to say so when it differs. */
  readonly drawn: DesignProfile;
  /** The deciding link's comparison with the benchmark, in one sentence. */
  readonly line: string;
  /** When the measurement ran (ms since the epoch). */
  readonly measuredAt: number;
}

/**
 * The advisor's view of the newest measurement, or null when it has no link with a ping result (nothing to read a
 * profile from) or its links' machines are gone from the design.
 */
export function getMeasuredAdvice(design: Design, dataset: BenchDataset, report: MeasureReport): MeasuredAdvice | null {
  const pairs = report.pairs.filter((p) => p.link !== null && design.machines[p.from] !== undefined && design.machines[p.to] !== undefined);
  const profile = getMeasuredProfile(design, dataset, pairs.map((p) => p.link!));
  if (profile === null) return null;
  const deciding = pairs.find((p) => p.comparison !== null && p.comparison.profile.source === 'measured' && p.comparison.profile.profile === profile.profile);
  return { profile, drawn: getDesignProfile(design, dataset), line: deciding?.comparison?.summary ?? profile.reason, measuredAt: report.startedAt };
}
