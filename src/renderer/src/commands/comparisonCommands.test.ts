import { describe, expect, test } from 'vitest';
import { computeWhatIf } from '../../../shared/bench/whatIf';
import { switchVpn } from '../../../shared/model/vpnSwitch';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import { dataset } from '../vpn/dataset';
import { applyComparisonFromAddress, resetDocument } from './fileActions';
import { executeCommand, getCommand, isEnabled } from './registry';
import { createTestApp } from './testApp';

// Choosing a VPN is never silent (issue 17): the what-if panel's Switch runs chooseVpn, which applies exactly the
// design the panel showed as one undo step and says what changed in the status line, wherever it was run from. The
// leaderboard follows the design's profile until the user picks one; picking is view state, never an edit.

/** Three households: a poor link at the sister's flat, so the medium impairment profile. */
const threeHouseholds = (): Design => buildDesignFromAnswers(templates[1]!.answers, sequentialIds());

describe('chooseVpn', () => {
  test('applies the design the what-if panel showed, as one undo step, and says so in the status line', async () => {
    const app = createTestApp(switchVpn(threeHouseholds(), 'zerotier'));
    const before = app.design;
    const shown = computeWhatIf(before, dataset!, 'mycelium');
    await executeCommand(app.ctx, 'chooseVpn', { vpn: 'mycelium' });
    expect(app.design).toEqual(shown.after);
    expect(app.undoDepth).toBe(1);
    expect(app.notices).toEqual(['Now using Mycelium instead of ZeroTier: 1 machine changes its role. Undo switches back.']);
    expect(app.notice).toBe(app.notices[0]);
    await executeCommand(app.ctx, 'undo');
    expect(app.design).toBe(before);
    // Undone, the notice no longer holds and goes; one that is not about a change stays through an undo.
    expect(app.notice).toBeNull();
    await executeCommand(app.ctx, 'redo');
    app.ctx.notify('Saved family');
    await executeCommand(app.ctx, 'undo');
    expect(app.notice).toBe('Saved family');
  });

  test('choosing the VPN already in use changes nothing and says nothing', async () => {
    const app = createTestApp(switchVpn(threeHouseholds(), 'zerotier'));
    await executeCommand(app.ctx, 'chooseVpn', { vpn: 'zerotier' });
    expect(app.undoDepth).toBe(0);
    expect(app.notices).toEqual([]);
  });
});

describe("the leaderboard's profile", () => {
  test('follows the design until the user picks one; picking and going back are view state, not edits', async () => {
    const app = createTestApp(threeHouseholds());
    expect(app.ui.leaderboardProfileChosen).toBe(false);
    expect(isEnabled(getCommand('showDesignProfile')!, app.ctx)).toBe(false);
    await executeCommand(app.ctx, 'showProfile', { profile: 'baseline' });
    expect(app.ui.leaderboardView.profile).toBe('baseline');
    expect(app.ui.leaderboardProfileChosen).toBe(true);
    expect(await executeCommand(app.ctx, 'showDesignProfile')).toBe(true);
    expect(app.ui.leaderboardProfileChosen).toBe(false);
    expect(app.undoDepth).toBe(0);
    expect(app.edited).toBe(false);
  });

  test('a newly opened design follows its own links again, whatever was picked before', async () => {
    const app = createTestApp(threeHouseholds());
    await executeCommand(app.ctx, 'showProfile', { profile: 'high' });
    resetDocument(app.ctx, threeHouseholds(), { name: 'other.clan-design.json', revision: 'r' });
    expect(app.ui.leaderboardProfileChosen).toBe(false);
  });

  test('settings from the address keep the document as it was: no undo step', () => {
    const app = createTestApp(threeHouseholds());
    applyComparisonFromAddress(app.ctx, '?profile=low');
    expect(app.ui.leaderboardView.profile).toBe('low');
    expect(app.undoDepth).toBe(0);
  });
});
