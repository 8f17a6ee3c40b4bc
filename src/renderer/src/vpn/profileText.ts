import type { DesignProfile } from '../../../shared/bench/advisor';
import { qualityLabels } from '../../../shared/model/labels';
import type { Design } from '../../../shared/model/types';
import { quote } from '../../../shared/text';

/**
 * The site that decided the design's profile, in a few words ('"Sister\'s flat" has a poor link'), for the places
 * that name the profile without the advisor's whole sentence; null when no site decided it.
 */
export function describeDecidingSite(design: Design, profile: DesignProfile): string | null {
  const site = profile.siteId === null ? undefined : design.sites[profile.siteId];
  return site === undefined ? null : `${quote(site.name)} has a ${qualityLabels[site.quality].short.toLowerCase()} link`;
}
