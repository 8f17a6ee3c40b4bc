import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as advisor from '../bench/advisor';
import * as leaderboard from '../bench/leaderboard';
import * as benchSchema from '../bench/schema';
import { vpnIds } from '../vpn/ids';
import {
  balancedWeights,
  defaultPriorities,
  defaultSort,
  leaderboardWorkloadIds,
  MAX_PRIORITY,
  priorityIds,
  profileIds,
  sortColumnIds,
  sortDirections,
  weightPresetIds,
} from './comparisonIds';
import { createDefaultComparison } from './design';
import { migrations } from './migrations';

// Design files hold these ids as strings. A rename here makes every saved file with the old name fail to load, so
// the ids are pinned: against literal lists, against the shipped AddVpnComparison step (which is never edited) and
// against the frozen fixture. To really rename one, add a migration step that rewrites old files first.

type SavedComparison = {
  profile: string;
  preset: string;
  weights: Record<string, number>;
  scoreProfiles: string[];
  sort: { column: string; direction: string };
  priorities: Record<string, number>;
};

const addVpnComparison = migrations.find((step) => step.name === 'AddVpnComparison')!;
const writtenByVersion2 = (addVpnComparison.up({}) as { comparison: SavedComparison }).comparison;
const fixtureComparison = (JSON.parse(readFileSync(new URL('./fixtures/design-v2.json', import.meta.url), 'utf8')) as { design: { comparison: SavedComparison } }).design.comparison;

describe('the ids design files store', () => {
  test('are exactly the saved strings', () => {
    expect(profileIds).toEqual(['baseline', 'low', 'medium', 'high']);
    expect(leaderboardWorkloadIds).toEqual(['tcp', 'parallelTcp', 'udp', 'pingRtt', 'pingLoss', 'quic', 'video', 'nixCache']);
    expect(weightPresetIds).toEqual(['balanced', 'fileTransfer', 'videoCalls', 'flakyLinks']);
    expect(sortColumnIds).toEqual(['score', 'name', 'tcp', 'parallelTcp', 'udp', 'pingRtt', 'pingLoss', 'quic', 'video', 'nixCache']);
    expect(sortDirections).toEqual(['bestFirst', 'worstFirst']);
    expect(priorityIds).toEqual(['throughput', 'latency', 'resilience', 'selfHosted', 'clanNative', 'decentralised']);
    expect(MAX_PRIORITY).toBe(3);
  });

  test('name every key and value the shipped AddVpnComparison step writes', () => {
    expect(Object.keys(writtenByVersion2.weights)).toEqual([...leaderboardWorkloadIds]);
    expect(Object.keys(writtenByVersion2.priorities)).toEqual([...priorityIds]);
    expect(profileIds).toContain(writtenByVersion2.profile);
    expect(weightPresetIds).toContain(writtenByVersion2.preset);
    expect(sortColumnIds).toContain(writtenByVersion2.sort.column);
    expect(sortDirections).toContain(writtenByVersion2.sort.direction);
    expect(Math.max(...Object.values(writtenByVersion2.priorities))).toBeLessThanOrEqual(MAX_PRIORITY);
  });

  test('cover every id the frozen version 2 fixture holds', () => {
    expect(profileIds).toContain(fixtureComparison.profile);
    expect([...weightPresetIds, 'custom']).toContain(fixtureComparison.preset);
    expect(Object.keys(fixtureComparison.weights).sort()).toEqual([...leaderboardWorkloadIds].sort());
    for (const profile of fixtureComparison.scoreProfiles) expect(profileIds).toContain(profile);
    expect(sortColumnIds).toContain(fixtureComparison.sort.column);
    expect(sortDirections).toContain(fixtureComparison.sort.direction);
    expect(Object.keys(fixtureComparison.priorities).sort()).toEqual([...priorityIds].sort());
    expect(Math.max(...Object.values(fixtureComparison.priorities))).toBeLessThanOrEqual(MAX_PRIORITY);
  });
});

describe('the VPN ids design files store (vpn/ids.ts, also a module that imports nothing)', () => {
  test('are exactly the saved strings, and cover the VPN of every frozen fixture', () => {
    expect(vpnIds).toEqual(['easytier', 'headscale', 'hyprspace', 'mycelium', 'nebula', 'tinc', 'vpncloud', 'wireguard', 'yggdrasil', 'zerotier']);
    for (const version of [0, 1, 2, 3]) {
      const { design } = JSON.parse(readFileSync(new URL(`./fixtures/design-v${version}.json`, import.meta.url), 'utf8')) as { design: { vpn: { id: string | null } } };
      if (design.vpn.id !== null) expect(vpnIds, `design-v${version}.json`).toContain(design.vpn.id);
    }
  });
});

describe('the features take their ids and defaults from the file format', () => {
  test('the leaderboard, the advisor and the dataset schema hand on the same lists, not copies', () => {
    expect(leaderboard.leaderboardWorkloadIds).toBe(leaderboardWorkloadIds);
    expect(leaderboard.weightPresetIds).toBe(weightPresetIds);
    expect(leaderboard.sortColumnIds).toBe(sortColumnIds);
    expect(leaderboard.sortDirections).toBe(sortDirections);
    expect(advisor.priorityIds).toBe(priorityIds);
    expect(advisor.MAX_PRIORITY).toBe(MAX_PRIORITY);
    expect(benchSchema.profileIds).toBe(profileIds);
  });

  test('a new design starts with the balanced preset, the default sort and the default priorities', () => {
    expect(createDefaultComparison()).toEqual({ profile: 'baseline', preset: 'balanced', weights: balancedWeights, scoreProfiles: [], sort: defaultSort, priorities: defaultPriorities });
    expect(leaderboard.weightPresets.balanced.weights).toBe(balancedWeights);
    expect(leaderboard.matchPreset(balancedWeights, [])).toBe('balanced');
    expect(leaderboard.defaultSort).toBe(defaultSort);
    expect(advisor.defaultPriorities).toBe(defaultPriorities);
  });
});
