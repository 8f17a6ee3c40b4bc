import { weightPresets, type LeaderboardSort, type LeaderboardWorkloadId, type WeightPresetId } from '../../../shared/bench/leaderboard';
import type { PriorityId } from '../../../shared/bench/advisor';
import type { ProfileId } from '../../../shared/bench/schema';
import { setVpn } from '../../../shared/model/ops';
import { assignDefaultRoles } from '../../../shared/vpn/catalog';
import type { VpnId } from '../../../shared/vpn/ids';
import type { VpnComparison } from '../../../shared/schema/design';
import { designStore } from '../stores/designStore';
import { selectionStore } from '../stores/selectionStore';

// Edits of the comparison settings and the VPN choice. Each is one commit, so one undo step; the settings live
// in the design so they are saved with it (and mirrored in the address bar in serve mode).

function setComparison(patch: Partial<VpnComparison>): void {
  const { design, commit } = designStore.getState();
  const next = { ...design.comparison, ...patch };
  if (JSON.stringify(next) === JSON.stringify(design.comparison)) return;
  commit({ ...design, comparison: next });
}

/** Shows another impairment profile in the leaderboard. */
export function setProfile(profile: ProfileId): void {
  setComparison({ profile });
}

/** Applies a weight preset (weights and the profiles its score spans). */
export function applyPreset(id: WeightPresetId): void {
  const preset = weightPresets[id];
  setComparison({ preset: id, weights: { ...preset.weights }, scoreProfiles: [...preset.scoreProfiles] });
}

/** Changes one workload's weight; the preset becomes "custom". */
export function setWeight(workload: LeaderboardWorkloadId, weight: number): void {
  const current = designStore.getState().design.comparison;
  setComparison({ preset: 'custom', weights: { ...current.weights, [workload]: weight } });
}

/** Sorts by a column; sorting by the same column again flips the direction. */
export function sortBy(column: LeaderboardSort['column']): void {
  const current = designStore.getState().design.comparison.sort;
  setComparison({ sort: { column, direction: current.column === column && current.direction === 'bestFirst' ? 'worstFirst' : 'bestFirst' } });
}

/** Changes how much one advisor priority matters. */
export function setPriority(id: PriorityId, level: number): void {
  const current = designStore.getState().design.comparison;
  setComparison({ priorities: { ...current.priorities, [id]: level } });
}

/** "Use this VPN": sets the design's VPN and the advisor's role assignment together, as one undo step. */
export function chooseVpn(vpn: VpnId): void {
  const { design, commit } = designStore.getState();
  commit(setVpn(design, vpn, assignDefaultRoles(design, vpn)));
  selectionStore.getState().select([]);
}
