import { describe, expect, test } from 'vitest';
import { appError } from '../../../shared/errors';
import type { CheckProgress } from '../../../shared/ipc/contract';
import type { CheckReport } from '../../../shared/schema/checkReport';
import { useJobsStore } from '../stores/jobsStore';
import { useCheckStore } from './checkStore';

const report: CheckReport = { kind: 'clan-designer-check', version: 1, startedAt: 1, finishedAt: 2, outcome: 'finished', local: [], machines: [] };

/** Events as main sends them, through the jobs store that every window's events go through. */
function startCheckJob(jobId: string): (event: Extract<CheckProgress, { type: 'done' }> extends infer D ? Omit<D, 'jobId' | 'kind' | 'seq' | 'type' | 'outcome'> : never) => void {
  useJobsStore.getState().applyEvent({ jobId, kind: 'check', seq: 0, type: 'started', startedAt: 1, forFile: 'home.clan-design.json', machines: [] });
  return (done) => useJobsStore.getState().applyEvent({ jobId, kind: 'check', seq: 1, type: 'done', outcome: 'finished', ...done });
}

describe('the end of a check in the Machines tab', () => {
  test('a check whose results could not be kept with the design says why, and still shows the results', () => {
    const finish = startCheckJob('00000000000000c1');
    expect(useJobsStore.getState().running.check).toBe('00000000000000c1');
    finish({ report, saved: false, saveError: appError('notARegularFile', { name: 'home.check.json', kind: 'link' }) });
    const state = useCheckStore.getState();
    expect(useJobsStore.getState().running.check).toBeUndefined();
    expect(state.report).toEqual(report);
    expect(state.error).toMatch(/^The results below were not kept with the design file\. /);
    expect(state.error).toContain('home.check.json');
  });

  test('a check kept with the design shows no error', () => {
    startCheckJob('00000000000000c2')({ report, saved: true });
    expect(useCheckStore.getState().error).toBeNull();
    expect(useCheckStore.getState().saved).toBe(true);
  });
});
