// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { getDesignProfile } from '../../../shared/bench/advisor';
import type { ApiTransport } from '../../../shared/ipc/api';
import { getMeasuredAdvice } from '../../../shared/measure/advice';
import type { MeasureReport } from '../../../shared/measure/report';
import { ok } from '../../../shared/result';
import { appContext, setBackend } from '../app/appContext';
import { dateTimeFormat } from '../deploy/deployStatus';
import { emptyJobRun } from '../deploy/jobRunStore';
import { useMeasureStore } from '../deploy/measureStore';
import { sampleMeasureReport } from '../deploy/testMeasure';
import { useDesignStore } from '../stores/designStore';
import { AdvisorPanel } from './AdvisorPanel';
import { dataset } from './dataset';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The advisor ("For your network") with and without a measurement kept beside the design: with one, it reads its
// figures from the profile the worst measured link points to and shows that link's sentence; without, it reads
// them from the link quality drawn in the design, as it always did.

const fileName = 'family.clan-design.json';
let container: HTMLDivElement;
let root: Root;
let before: ApiTransport | null;
let lastReport: MeasureReport | null;

const byTestId = (id: string) => container.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const contexts = () => [...container.querySelectorAll('.advisor-context')].map((p) => p.textContent);

beforeEach(() => {
  before = appContext.backend;
  setBackend({ subscribe: () => () => undefined, invoke: (async (channel: string) => (channel === 'measure:last' ? ok({ report: lastReport }) : ok({}))) as ApiTransport['invoke'] }, 'serve');
  useMeasureStore.setState({ ...emptyJobRun, picked: null });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  appContext.backend = before;
});

async function show(report: MeasureReport | null) {
  const { ids } = sampleMeasureReport();
  lastReport = report;
  useDesignStore.getState().reset(ids.design, { name: fileName, revision: 'r' });
  act(() => root.render(<AdvisorPanel dataset={dataset!} design={ids.design} comparing={[]} onCompare={() => undefined} onUse={() => undefined} />));
  await act(async () => await new Promise((r) => setTimeout(r, 0)));
  return ids.design;
}

describe('the advisor with a measurement', () => {
  test('shows the deciding link\'s sentence and ranks by the measured profile, saying the drawing stands for another', async () => {
    const { report } = sampleMeasureReport();
    const design = await show(report);
    const measured = getMeasuredAdvice(design, dataset!, report)!;
    expect(measured.profile.profile).toBe('high');
    expect(byTestId('advisor-measured')!.textContent).toBe(`Measured ${dateTimeFormat.format(report.startedAt)}: ${report.pairs[1]!.comparison!.summary}`);
    expect(contexts()).toContain(measured.profile.reason);
    expect(contexts()).not.toContain(getDesignProfile(design, dataset!).reason);
    expect(byTestId('advisor-drawn')!.textContent).toMatch(/^The link quality drawn in the design stands for the baseline profile; the ranking follows what was measured\./);
  });

  test('without a measurement it reads the profile from the drawing, as before', async () => {
    const design = await show(null);
    expect(byTestId('advisor-measured')).toBeNull();
    expect(byTestId('advisor-drawn')).toBeNull();
    expect(contexts()).toEqual([getDesignProfile(design, dataset!).reason]);
  });
});
