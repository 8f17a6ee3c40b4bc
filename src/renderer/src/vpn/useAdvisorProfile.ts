import { useMemo } from 'react';
import { getDesignProfile, type DesignProfile } from '../../../shared/bench/advisor';
import type { BenchDataset } from '../../../shared/bench/schema';
import { getMeasuredAdvice, type MeasuredAdvice } from '../../../shared/measure/advice';
import type { Design } from '../../../shared/model/types';
import { appContext } from '../app/appContext';
import { useLastMeasureFor, useShownMeasureReport } from '../deploy/measureStore';
import { useDesign } from '../stores/designStore';

/**
 * The profile the advisor reads its figures from: the newest measurement of the design file on screen, when there is
 * one, otherwise the link quality drawn in the design. The leaderboard opens on the same profile, so the two never
 * rank from different figures without saying so.
 */
export function useAdvisorProfile(design: Design, dataset: BenchDataset): { measured: MeasuredAdvice | null; profile: DesignProfile } {
  const fileName = useDesign((s) => s.file.name);
  useLastMeasureFor(fileName, appContext.backend);
  const measurement = useShownMeasureReport(fileName);
  return useMemo(() => {
    const measured = measurement === null ? null : getMeasuredAdvice(design, dataset, measurement);
    return { measured, profile: measured?.profile ?? getDesignProfile(design, dataset) };
  }, [design, dataset, measurement]);
}
