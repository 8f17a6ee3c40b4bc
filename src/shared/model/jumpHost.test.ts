import { describe, expect, test } from 'vitest';
import { familyNetwork } from './designBuilder';
import { sequentialIds } from './ids';
import { jumpHostOf, setJumpHost } from './jumpHost';

describe('setJumpHost', () => {
  test('replaces the jump hosts of a machine with one, and takes them away with null', () => {
    const { b, tablet, vps, nas } = familyNetwork();
    const ids = sequentialIds('j');
    const once = setJumpHost(b.design, tablet, vps, ids);
    expect(jumpHostOf(once, tablet)).toBe(vps);
    expect(setJumpHost(once, tablet, vps, ids)).toBe(once);
    const moved = setJumpHost(once, tablet, nas, ids);
    expect(jumpHostOf(moved, tablet)).toBe(nas);
    expect(Object.values(moved.links).filter((l) => l.kind === 'jumpHost')).toHaveLength(1);
    const none = setJumpHost(moved, tablet, null, ids);
    expect(jumpHostOf(none, tablet)).toBeNull();
    expect(setJumpHost(none, tablet, tablet, ids)).toBe(none);
  });
});
