import { describe, expect, test } from 'vitest';
import { changesSentence, compareRuns } from './changes';
import type { MatrixCell, VerifyMatrix } from './matrix';

/** A matrix with only what the comparison reads: the cells' pair, status and cause. */
function matrixOf(cells: [from: string, to: string, status: MatrixCell['status'], cause?: MatrixCell['cause']][]): VerifyMatrix {
  return {
    cells: cells.map(([from, to, status, cause]) => ({ from, to, fromName: from, toName: to, status, cause: cause ?? null }) as unknown as MatrixCell),
  } as VerifyMatrix;
}

describe('compareRuns', () => {
  test('lists only the pairs whose state changed, with before and after', () => {
    const before = matrixOf([
      ['nas', 'pi', 'notReached', 'noReply'],
      ['pi', 'nas', 'reached'],
      ['vps', 'pi', 'reached'],
      ['vps', 'nas', 'notReached', 'sshUnreachable'],
      ['nas', 'vps', 'reached'],
    ]);
    const after = matrixOf([
      ['nas', 'pi', 'reached'],
      ['pi', 'nas', 'reached'],
      ['vps', 'pi', 'partly', 'someLost'],
      ['vps', 'nas', 'reached'],
    ]);
    expect(compareRuns(before, after).map((c) => [`${c.fromName}>${c.toName}`, c.before, c.after])).toEqual([
      ['nas>pi', 'notReached', 'reached'],
      ['vps>pi', 'reached', 'partly'],
      ['vps>nas', 'untested', 'reached'],
      ['nas>vps', 'reached', 'untested'],
    ]);
  });

  test('says what changed in one sentence, or that nothing did', () => {
    const before = matrixOf([
      ['nas', 'pi', 'notReached', 'noReply'],
      ['vps', 'pi', 'reached'],
      ['pi', 'vps', 'reached'],
    ]);
    const after = matrixOf([
      ['nas', 'pi', 'reached'],
      ['vps', 'pi', 'notReached', 'noReply'],
      ['pi', 'vps', 'reached'],
    ]);
    expect(changesSentence(compareRuns(before, after))).toBe('Since the run before: nas → pi reached now; vps → pi no longer reached.');
    expect(changesSentence(compareRuns(after, after))).toBe('Since the run before, no pair changed.');
  });
});
