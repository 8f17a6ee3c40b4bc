import { beforeEach, describe, expect, test } from 'vitest';
import { appError } from '../../../shared/errors';
import type { CheckReport } from '../../../shared/schema/checkReport';
import { applyProgress, useCheckStore } from './checkStore';

const report: CheckReport = { kind: 'clan-designer-check', version: 1, startedAt: 1, finishedAt: 2, outcome: 'finished', local: [], machines: [] };

describe('the end of a check in the Machines tab', () => {
  beforeEach(() => {
    applyProgress({ jobId: 'job-1', type: 'started', startedAt: 1, forFile: 'home.clan-design.json', machines: [] });
  });

  test('a check whose results could not be kept with the design says why, and still shows the results', () => {
    applyProgress({ jobId: 'job-1', type: 'done', report, saved: false, saveError: appError('notARegularFile', { name: 'home.check.json', kind: 'link' }) });
    const state = useCheckStore.getState();
    expect(state.running).toBeNull();
    expect(state.report).toEqual(report);
    expect(state.error).toMatch(/^The results below were not kept with the design file\. /);
    expect(state.error).toContain('home.check.json');
  });

  test('a check kept with the design shows no error', () => {
    applyProgress({ jobId: 'job-1', type: 'done', report, saved: true });
    expect(useCheckStore.getState().error).toBeNull();
    expect(useCheckStore.getState().saved).toBe(true);
  });
});
