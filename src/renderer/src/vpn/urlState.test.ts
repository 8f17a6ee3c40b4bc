import { describe, expect, test } from 'vitest';
import { weightPresets } from '../../../shared/bench/leaderboard';
import { createEmptyDesign } from '../../../shared/model/ops';
import { comparisonFromSearch, comparisonToSearch, profileFromSearch } from './urlState';

// The address in serve mode names the profile only when the user picked one: a table that follows the design's
// links must not be pinned by reloading its own address, and a shared link that names a profile must win.

const comparison = createEmptyDesign().comparison;

describe('the profile in the address', () => {
  test('is written only when the user picked it', () => {
    expect(new URLSearchParams(comparisonToSearch({ ...comparison, profile: 'medium' }, '', true)).get('profile')).toBe('medium');
    expect(new URLSearchParams(comparisonToSearch({ ...comparison, profile: 'medium' }, '?profile=high', false)).get('profile')).toBeNull();
  });

  test('is read when it is one of the four, and ignored otherwise', () => {
    expect(profileFromSearch('?profile=high')).toBe('high');
    expect(profileFromSearch('?profile=extreme')).toBeNull();
    expect(profileFromSearch('?sort=score.bestFirst')).toBeNull();
    expect(comparisonFromSearch(comparison, '?profile=low', weightPresets).profile).toBe('low');
    expect(comparisonFromSearch(comparison, '?profile=nope', weightPresets)).toBe(comparison);
  });
});
