import { weightPresets } from '../../../shared/bench/leaderboard';
import { summarizeSwitch, switchVpn } from '../../../shared/model/vpnSwitch';
import { profileIds, type LeaderboardWorkloadId, type PriorityId, type ProfileId, type SortColumn, type WeightPresetId } from '../../../shared/schema/comparisonIds';
import type { VpnComparison } from '../../../shared/schema/design';
import type { VpnId } from '../../../shared/vpn/ids';
import { notifyChange } from './changeNotice';
import type { Command, CommandContext } from './types';

// The Choose VPN area's commands. Weights and priorities are document state: they say what matters for this
// network, the advisor ranks with them and the command line's `advise` reads them from the file, so a change is an
// edit and a slider drag is one undo step. The profile shown and the sort are view state (LeaderboardView): they
// change how the table is looked at, so they add no undo step and leave the document unedited. Until the user picks a
// profile, the table shows the one the design's links stand for, as the advisor does (showDesignProfile goes back).

const currentDesign = (ctx: CommandContext) => ctx.design.getState().design;
const hasArgs = (_ctx: CommandContext, args?: unknown) => args !== undefined;

/** Arguments of chooseVpn: the VPN to use, or null for none. */
export interface ChooseVpnArgs {
  vpn: VpnId | null;
}

/** Arguments of sortLeaderboard: the column clicked (without: the score). */
export interface SortArgs {
  column: SortColumn;
}

/** Arguments of showProfile: the profile picked (without: the next one). */
export interface ProfileArgs {
  profile: ProfileId;
}

/** Arguments of applyWeightPreset. */
export interface PresetArgs {
  preset: WeightPresetId;
}

/** Arguments of setWeight: one workload's weight. */
export interface WeightArgs {
  workload: LeaderboardWorkloadId;
  weight: number;
}

/** Arguments of setPriority: how much one advisor priority matters. */
export interface PriorityArgs {
  priority: PriorityId;
  level: number;
}

/** The design with its comparison settings patched, or the same design when nothing changed (no undo step). */
function withComparison(design: ReturnType<typeof currentDesign>, patch: Partial<VpnComparison>) {
  const next = { ...design.comparison, ...patch };
  return JSON.stringify(next) === JSON.stringify(design.comparison) ? design : { ...design, comparison: next };
}

/** The VPN and comparison commands. */
export const comparisonCommands: readonly Command[] = [
  {
    id: 'chooseVpn',
    label: 'Choose a mesh VPN…',
    group: 'network',
    // Sets the VPN and the roles it needs together (switchVpn, what the what-if panel showed): one undo step, as an
    // assistant's proposal is. The area's "Use this VPN" first shows the what-if panel, whose Switch runs this; from
    // anywhere else (the inspector) the status line still says what changed, so a switch is never silent.
    capture: 'immediately',
    keywords: ['vpn', 'use this vpn', 'tailscale', 'zerotier', 'nebula', 'wireguard', 'roles'],
    perform: (ctx, args) => {
      if (args === undefined) {
        ctx.ui.getState().setActiveArea('choose-vpn');
        return;
      }
      const { vpn } = args as ChooseVpnArgs;
      const design = currentDesign(ctx);
      if (design.vpn.id === vpn) return;
      const next = switchVpn(design, vpn);
      notifyChange(ctx, summarizeSwitch(design, next));
      return { design: next, select: [] };
    },
  },
  {
    id: 'sortLeaderboard',
    label: 'Sort the leaderboard',
    group: 'compare',
    capture: 'never',
    keywords: ['order', 'rank', 'column', 'score'],
    perform: (ctx, args) => {
      const ui = ctx.ui.getState();
      const current = ui.leaderboardView.sort;
      const column = args === undefined ? 'score' : (args as SortArgs).column;
      // The same column again flips the direction; from the palette it sorts by score, best first.
      const direction = args !== undefined && current.column === column && current.direction === 'bestFirst' ? 'worstFirst' : 'bestFirst';
      ui.setLeaderboardView({ sort: { column, direction } });
      ui.setActiveArea('choose-vpn');
    },
  },
  {
    id: 'showProfile',
    label: 'Show another network profile',
    group: 'compare',
    capture: 'never',
    keywords: ['impairment', 'baseline', 'low', 'medium', 'high', 'loss', 'latency'],
    perform: (ctx, args) => {
      const ui = ctx.ui.getState();
      const shown = ui.leaderboardView.profile;
      const profile = args === undefined ? profileIds[(profileIds.indexOf(shown) + 1) % profileIds.length]! : (args as ProfileArgs).profile;
      ui.setLeaderboardView({ profile });
      ui.setLeaderboardProfileChosen(true);
      ui.setActiveArea('choose-vpn');
    },
  },
  {
    id: 'showDesignProfile',
    label: "Show the profile of my design's links",
    group: 'compare',
    capture: 'never',
    keywords: ['profile', 'advisor', 'link quality', 'impairment', 'my design'],
    predicate: (ctx) => ctx.ui.getState().leaderboardProfileChosen,
    perform: (ctx) => {
      const ui = ctx.ui.getState();
      ui.setLeaderboardProfileChosen(false);
      ui.setActiveArea('choose-vpn');
    },
  },
  {
    id: 'applyWeightPreset',
    label: 'Use a weight preset',
    group: 'compare',
    capture: 'immediately',
    gesture: 'Pick one under Weights in the Choose VPN area',
    keywords: ['balanced', 'file transfer', 'video calls', 'flaky links', 'score'],
    predicate: hasArgs,
    perform: (ctx, args) => {
      const { preset } = args as PresetArgs;
      const { weights, scoreProfiles } = weightPresets[preset];
      return { design: withComparison(currentDesign(ctx), { preset, weights: { ...weights }, scoreProfiles: [...scoreProfiles] }) };
    },
  },
  {
    id: 'setWeight',
    label: 'Weigh a workload',
    group: 'compare',
    capture: 'immediately',
    gesture: 'Drag its slider under Weights → Adjust in the Choose VPN area',
    keywords: ['weight', 'score', 'tcp', 'udp', 'ping', 'video', 'quic', 'nix cache'],
    predicate: hasArgs,
    perform: (ctx, args) => {
      const { workload, weight } = args as WeightArgs;
      const design = currentDesign(ctx);
      return { design: withComparison(design, { preset: 'custom', weights: { ...design.comparison.weights, [workload]: weight } }) };
    },
  },
  {
    id: 'setPriority',
    label: 'Change what matters to the advisor',
    group: 'compare',
    capture: 'immediately',
    gesture: 'Drag a slider under Your priorities in the Choose VPN area',
    keywords: ['priority', 'priorities', 'advisor', 'throughput', 'latency', 'self-hosted'],
    predicate: hasArgs,
    perform: (ctx, args) => {
      const { priority, level } = args as PriorityArgs;
      const design = currentDesign(ctx);
      return { design: withComparison(design, { priorities: { ...design.comparison.priorities, [priority]: level } }) };
    },
  },
];
