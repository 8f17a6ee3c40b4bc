import { describe, expect, test } from 'vitest';
import type { MachineId } from '../model/types';
import { compareMeasureRuns, measureChangeLine, measureChangesSentence, measureChangesText, trendOf } from './changes';
import type { MeasuredPair } from './report';

type Figures = { forward?: number | null; back?: number | null; rtt?: number | null; loss?: number | null };

/** A measured pair with only what the comparison reads: its machines and figures (null figures: not measured). */
function pair(from: string, to: string, figures: Figures | null): MeasuredPair {
  const f = figures ?? {};
  return {
    pairId: `${from}>${to}`,
    from: from as MachineId,
    to: to as MachineId,
    fromName: from,
    toName: to,
    address: null,
    addressSource: null,
    link:
      figures === null
        ? null
        : ({ forwardMbps: f.forward ?? null, reverseMbps: f.back ?? null, rttAvgMs: f.rtt ?? null, lossPercent: f.loss ?? null } as unknown as MeasuredPair['link']),
    comparison: null,
    problems: [],
    message: '',
  };
}

describe('compareMeasureRuns', () => {
  test('says per link what its throughput, round trip and loss were and are, with the change in percent', () => {
    const before = [pair('laptop', 'nas', { forward: 88, back: 90.4, rtt: 20.1, loss: 0 })];
    const after = [pair('laptop', 'nas', { forward: 41.2, back: 91.2, rtt: 23.9, loss: 10 })];
    const [change] = compareMeasureRuns(before, after);
    expect(measureChangeLine(change!)).toBe('laptop → nas: 41.2 Mbit/s, was 88.0 (−53 %); back 91.2 Mbit/s, was 90.4 (+1 %); round trip 23.9 ms, was 20.1 (+19 %); loss 10.0 %, was 0.0 %.');
    expect(trendOf(change!)).toBe('slower');
  });

  test('names the links measured this time only and those not measured this time, with their figures', () => {
    const before = [pair('pi', 'nas', { forward: 9.5, back: 8.1, rtt: 41, loss: 1.5 }), pair('vps', 'nas', null)];
    const after = [pair('vps', 'nas', { forward: 812, back: 790, rtt: 9.2, loss: 0 }), pair('pi', 'nas', null)];
    const changes = compareMeasureRuns(before, after);
    expect(changes.map(measureChangeLine)).toEqual([
      'vps → nas: measured this time only: 812 Mbit/s, back 790 Mbit/s, round trip 9.2 ms, loss 0.0 %.',
      'pi → nas: not measured this time; the run before had 9.5 Mbit/s, back 8.1 Mbit/s, round trip 41.0 ms, loss 1.5 %.',
    ]);
    expect(measureChangesSentence(changes)).toBe('Since the run before: vps → nas measured this time only; pi → nas not measured this time.');
  });

  test('a link dropped from this run is listed after the others; a link without figures in either run is left out', () => {
    const before = [pair('pi', 'nas', { forward: 10 }), pair('tablet', 'nas', null)];
    const after = [pair('vps', 'nas', { forward: 100 }), pair('tablet', 'nas', null)];
    expect(compareMeasureRuns(before, after).map((c) => [`${c.fromName}>${c.toName}`, c.before?.forwardMbps ?? null, c.after?.forwardMbps ?? null])).toEqual([
      ['vps>nas', null, 100],
      ['pi>nas', 10, null],
    ]);
  });

  test('groups the links in one sentence: slower, faster, about the same (within 10 %)', () => {
    const before = [pair('a', 'nas', { forward: 100, back: 100 }), pair('b', 'nas', { forward: 100, back: 100 }), pair('c', 'nas', { forward: 100, back: 100 }), pair('d', 'nas', { rtt: 20 })];
    const after = [pair('a', 'nas', { forward: 100, back: 85 }), pair('b', 'nas', { forward: 130, back: 100 }), pair('c', 'nas', { forward: 95, back: 108 }), pair('d', 'nas', { rtt: 30 })];
    const changes = compareMeasureRuns(before, after);
    expect(changes.map(trendOf)).toEqual(['slower', 'faster', 'same', 'slower']);
    expect(measureChangesSentence(changes)).toBe('Since the run before: a → nas and d → nas slower; b → nas faster; c → nas about the same.');
    // A figure measured only one of the two times says so instead of a change.
    expect(measureChangeLine(changes[3]!)).toBe('d → nas: round trip 30.0 ms, was 20.0 (+50 %).');
    expect(measureChangeLine(compareMeasureRuns([pair('a', 'nas', { forward: 50, rtt: 2 })], [pair('a', 'nas', { back: 40, rtt: 2 })])[0]!)).toBe(
      'a → nas: not measured this time, was 50.0 Mbit/s; back 40.0 Mbit/s, not measured before; round trip 2.0 ms, was 2.0 (±0 %).',
    );
  });

  test('the text form has the sentence and one line per link', () => {
    const text = measureChangesText(compareMeasureRuns([pair('pi', 'nas', { forward: 40 })], [pair('pi', 'nas', { forward: 43 })]));
    expect(text).toEqual({ sentence: 'Since the run before: pi → nas about the same.', lines: ['pi → nas: 43.0 Mbit/s, was 40.0 (+8 %).'] });
    expect(measureChangesSentence([])).toBe('Since the run before, no link was measured in either run.');
  });
});
