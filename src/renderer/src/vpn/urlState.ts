import { leaderboardWorkloadIds, sortColumnIds, sortDirections, weightPresetIds } from '../../../shared/bench/leaderboard';
import { profileIds } from '../../../shared/bench/schema';
import { vpnComparisonSchema, type VpnComparison } from '../../../shared/schema/design';

// In serve mode the leaderboard selection is also kept in the address (?profile=medium&preset=videoCalls&
// sort=score.bestFirst&w=tcp:3,udp:0,...), so a link shows someone else the same table. Untrusted input: every
// value is checked against the same schema as the design file, and anything invalid is ignored.

/**
 * The comparison settings as URL search parameters (weights only when they differ from the preset). The profile only
 * when the user picked it (`profileChosen`): otherwise the table follows the design's links, and an address that
 * named the profile would pin it (an address that names one wins, see profileFromSearch).
 */
export function comparisonToSearch(comparison: VpnComparison, search: string, profileChosen = true): string {
  const params = new URLSearchParams(search);
  if (profileChosen) params.set('profile', comparison.profile);
  else params.delete('profile');
  params.set('preset', comparison.preset);
  params.set('sort', `${comparison.sort.column}.${comparison.sort.direction}`);
  if (comparison.preset === 'custom') params.set('w', leaderboardWorkloadIds.map((id) => `${id}:${comparison.weights[id]}`).join(','));
  else params.delete('w');
  return `?${params.toString()}`;
}

/** Applies what the address says to the current settings; returns them unchanged when it says nothing valid. */
export function comparisonFromSearch(current: VpnComparison, search: string, presets: Record<string, { weights: VpnComparison['weights']; scoreProfiles: readonly string[] }>): VpnComparison {
  const params = new URLSearchParams(search);
  let next: VpnComparison = current;
  const profile = profileFromSearch(search);
  if (profile !== null) next = { ...next, profile };
  const preset = params.get('preset');
  if (preset !== null && (weightPresetIds as readonly string[]).includes(preset)) {
    const p = presets[preset]!;
    next = { ...next, preset: preset as VpnComparison['preset'], weights: { ...p.weights }, scoreProfiles: [...p.scoreProfiles] as VpnComparison['scoreProfiles'] };
  }
  const weights = params.get('w');
  if (preset === 'custom' && weights !== null) {
    const parsed = { ...next.weights };
    for (const part of weights.split(',')) {
      const [id, value] = part.split(':');
      const n = Number(value);
      if ((leaderboardWorkloadIds as readonly string[]).includes(id ?? '') && Number.isFinite(n) && n >= 0 && n <= 100) parsed[id as keyof typeof parsed] = n;
    }
    next = { ...next, preset: 'custom', weights: parsed };
  }
  const sort = params.get('sort');
  if (sort !== null) {
    const [column, direction] = sort.split('.');
    if ((sortColumnIds as readonly string[]).includes(column ?? '') && (sortDirections as readonly string[]).includes(direction ?? '')) {
      next = { ...next, sort: { column: column as VpnComparison['sort']['column'], direction: direction as VpnComparison['sort']['direction'] } };
    }
  }
  return vpnComparisonSchema.safeParse(next).success ? next : current;
}

/** The profile an address names, when it names a valid one: the user chose it (a shared link), so it wins. */
export function profileFromSearch(search: string): VpnComparison['profile'] | null {
  const profile = new URLSearchParams(search).get('profile');
  return profile !== null && (profileIds as readonly string[]).includes(profile) ? (profile as VpnComparison['profile']) : null;
}
