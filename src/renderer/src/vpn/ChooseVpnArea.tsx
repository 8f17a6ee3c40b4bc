import { Suspense, useMemo, useState } from 'react';
import { describeProfile, weightPresetIds, weightPresets, leaderboardWorkloadIds, workloadShortLabels, type WeightPresetId } from '../../../shared/bench/leaderboard';
import type { Design } from '../../../shared/model/types';
import type { VpnComparison } from '../../../shared/schema/design';
import { getProfile, listProfiles } from '../../../shared/bench/query';
import type { SeriesId } from '../../../shared/bench/schema';
import type { VpnId } from '../../../shared/vpn/ids';
import { noVpnId } from '../../../shared/vpn/ids';
import { appContext } from '../app/appContext';
import { lazyPart } from '../app/chunks';
import type { PresetArgs, ProfileArgs, WeightArgs } from '../commands/comparisonCommands';
import { executeCommand } from '../commands/registry';
import { GestureRange } from '../components/GestureRange';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { LoadingPart } from '../components/LoadingPart';
import { useDesign } from '../stores/designStore';
import { useUiStore, withLeaderboardView } from '../stores/uiStore';
import { AboutData } from './AboutData';
import { AdvisorPanel } from './AdvisorPanel';
import { CompareDialog } from './CompareDialog';
import { dataset, datasetError } from './dataset';
import { FeatureMatrix } from './FeatureMatrix';
import { Leaderboard } from './Leaderboard';
import './chooseVpn.css';

const views = [
  { id: 'leaderboard', label: 'Leaderboard' },
  { id: 'charts', label: 'Charts' },
  { id: 'features', label: 'Features' },
  { id: 'about', label: 'About this data' },
] as const;

type ViewId = (typeof views)[number]['id'];

// The chart library is most of this area's code and only the Charts view needs it: it loads when that view opens.
const Charts = lazyPart('the charts', () => import('./Charts').then((m) => m.Charts));

/** The design with the comparison as shown: its weights and priorities, and the window's profile and sort. */
function useShownDesign(): { design: Design; comparison: VpnComparison } {
  const design = useDesign((s) => s.design);
  const view = useUiStore((s) => s.leaderboardView);
  return useMemo(() => {
    const comparison = withLeaderboardView(design.comparison, view);
    return { design: comparison === design.comparison ? design : { ...design, comparison }, comparison };
  }, [design, view]);
}

/** The Choose VPN area: measured figures, features, and a ranking for the user's own design. */
export function ChooseVpnArea() {
  const { design, comparison } = useShownDesign();
  const [view, setView] = useState<ViewId>('leaderboard');
  const [focus, setFocus] = useState<SeriesId | null>(null);
  const [comparing, setComparing] = useState<VpnId[]>([]);
  if (dataset === undefined) {
    return (
      <div className="panel-crash" role="alert">
        <h2>The benchmark data could not be read</h2>
        <p>The data file bundled with the app is damaged ({datasetError}). Reinstall the app; the rest of it keeps working.</p>
      </div>
    );
  }
  const data = dataset;
  const toggleFocus = (vpn: SeriesId) => setFocus((f) => (f === vpn ? null : vpn));
  const toggleCompare = (vpn: VpnId) => setComparing((list) => (list.includes(vpn) ? list.filter((v) => v !== vpn) : [...list.slice(-1), vpn]));
  const profile = getProfile(dataset, comparison.profile);

  return (
    <div className="choose-vpn">
      <h2 className="visually-hidden">Choose a mesh VPN</h2>
      <div className="vpn-toolbar">
        <div className="segmented" role="radiogroup" aria-label="Network profile">
          {listProfiles(dataset).map((p) => (
            <button
              key={p.id}
              type="button"
              role="radio"
              aria-checked={comparison.profile === p.id}
              className={comparison.profile === p.id ? 'active' : ''}
              onClick={() => void executeCommand(appContext, 'showProfile', { profile: p.id } satisfies ProfileArgs)}
              title={`${p.description}${p.impairment === null ? '' : `\n${p.impairment.latencyMs} ms delay, ${p.impairment.jitterMs} ms jitter, ${p.impairment.lossPercent} % loss, ${p.impairment.reorderPercent} % reordering`}`}
              data-testid={`profile-${p.id}`}
            >
              {p.label}
            </button>
          ))}
        </div>
        <span className="profile-settings" data-testid="profile-settings">
          {profile?.impairment === null || profile === undefined
            ? 'Clean 1 Gbit/s link'
            : `${profile.impairment.latencyMs} ms delay · ${profile.impairment.jitterMs} ms jitter · ${profile.impairment.lossPercent} % loss · ${profile.impairment.reorderPercent} % reordering`}
        </span>
        <label className="preset">
          Weights{' '}
          <select value={comparison.preset} onChange={(e) => e.currentTarget.value !== 'custom' && void executeCommand(appContext, 'applyWeightPreset', { preset: e.currentTarget.value as WeightPresetId } satisfies PresetArgs)} data-testid="preset">
            {weightPresetIds.map((id) => (
              <option key={id} value={id}>
                {weightPresets[id].label}
              </option>
            ))}
            {comparison.preset === 'custom' && <option value="custom">Custom</option>}
          </select>
        </label>
        <details className="weights">
          <summary>Adjust</summary>
          <div className="weights-popup">
            <p>{comparison.preset === 'custom' ? 'Your own weights.' : weightPresets[comparison.preset].description}</p>
            {leaderboardWorkloadIds.map((id) => (
              <label key={id}>
                <span>{workloadShortLabels[id]}</span>
                <GestureRange min={0} max={3} step={0.5} value={comparison.weights[id]} onValue={(weight, capture) => void executeCommand(appContext, 'setWeight', { workload: id, weight } satisfies WeightArgs, { capture })} data-testid={`weight-${id}`} />
                <span className="level">{comparison.weights[id]}</span>
              </label>
            ))}
            {comparison.scoreProfiles.length > 0 && <p className="field-hint">Scores use the {comparison.scoreProfiles.map((p) => describeProfile(data, p)).join(' and ')} profiles.</p>}
          </div>
        </details>
        <span className="toolbar-spacer" />
        {comparing.length === 2 && (
          <span className="compare-note">
            Comparing two VPNs — <button type="button" className="link-button" onClick={() => setComparing([])}>clear</button>
          </span>
        )}
      </div>
      <div className="vpn-body">
        <div className="vpn-main">
          <div className="subtabs" role="tablist" aria-label="Views">
            {views.map((v) => (
              <button key={v.id} type="button" role="tab" aria-selected={view === v.id} className={view === v.id ? 'active' : ''} onClick={() => setView(v.id)}>
                {v.label}
              </button>
            ))}
          </div>
          <ErrorBoundary area={views.find((v) => v.id === view)!.label} key={view}>
            {view === 'leaderboard' && <Leaderboard dataset={dataset} comparison={comparison} focus={focus} onFocus={toggleFocus} />}
            {view === 'charts' && (
              <Suspense fallback={<LoadingPart className="charts-loading" label="Loading the charts…" />}>
                <Charts dataset={dataset} profile={comparison.profile} focus={focus} onFocus={toggleFocus} />
              </Suspense>
            )}
            {view === 'features' && <FeatureMatrix focus={focus === noVpnId ? null : (focus as VpnId | null)} onFocus={toggleFocus} />}
            {view === 'about' && <AboutData dataset={dataset} />}
          </ErrorBoundary>
        </div>
        <ErrorBoundary area="Advisor">
          <AdvisorPanel dataset={dataset} design={design} comparing={comparing} onCompare={toggleCompare} />
        </ErrorBoundary>
      </div>
      {comparing.length === 2 && <CompareDialog dataset={dataset} design={design} vpns={[comparing[0]!, comparing[1]!]} onClose={() => setComparing([])} />}
    </div>
  );
}
