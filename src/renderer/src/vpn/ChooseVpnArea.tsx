import { Suspense, useEffect, useMemo, useState } from 'react';
import { describeProfile, weightPresetIds, weightPresets, leaderboardWorkloadIds, workloadShortLabels, type WeightPresetId } from '../../../shared/bench/leaderboard';
import type { Design } from '../../../shared/model/types';
import type { VpnComparison } from '../../../shared/schema/design';
import { getProfile, listProfiles } from '../../../shared/bench/query';
import type { DesignProfile } from '../../../shared/bench/advisor';
import type { BenchDataset, ProfileId, SeriesId } from '../../../shared/bench/schema';
import { vpnCatalog } from '../../../shared/vpn/catalog';
import { filterVpns, noVpnFilter, vpnKinds, type VpnFilter } from '../../../shared/vpn/filters';
import { noVpnId, vpnIds, type VpnId } from '../../../shared/vpn/ids';
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
import { describeDecidingSite } from './profileText';
import { useAdvisorProfile } from './useAdvisorProfile';
import { WhatIfDialog } from './WhatIfDialog';
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

/**
 * The design with the comparison as shown: its weights and priorities, the window's sort, and the profile the user
 * picked or, until they pick one, the profile the design's links stand for (the advisor's).
 */
function useShownDesign(designProfile: ProfileId): { design: Design; comparison: VpnComparison; chosen: boolean } {
  const design = useDesign((s) => s.design);
  const view = useUiStore((s) => s.leaderboardView);
  const chosen = useUiStore((s) => s.leaderboardProfileChosen);
  const setLeaderboardView = useUiStore((s) => s.setLeaderboardView);
  const profile = chosen ? view.profile : designProfile;
  // Keep the window's view on the profile shown, so the address, a saved file and "next profile" start from it.
  useEffect(() => {
    if (!chosen && view.profile !== designProfile) setLeaderboardView({ profile: designProfile });
  }, [chosen, view.profile, designProfile, setLeaderboardView]);
  return useMemo(() => {
    const comparison = withLeaderboardView(design.comparison, { ...view, profile });
    return { design: comparison === design.comparison ? design : { ...design, comparison }, comparison, chosen };
  }, [design, view, profile, chosen]);
}

/** Which profile the table shows and why, and the way back to the design's one after picking another. */
function ProfileNote({ data, design, designProfile, shown, chosen }: { data: BenchDataset; design: Design; designProfile: DesignProfile; shown: ProfileId; chosen: boolean }) {
  const label = (p: ProfileId) => getProfile(data, p)?.label ?? p;
  if (!chosen || shown === designProfile.profile) {
    // The advisor's panel gives the whole reason; here the deciding site is enough, the rest is on hover.
    const site = describeDecidingSite(design, designProfile);
    return (
      <p className="profile-note" data-testid="profile-note" title={designProfile.reason}>
        Showing the {label(shown)} profile: the one your design&apos;s links are closest to{site === null ? '' : ` (${site})`}, as the advisor ranks by.
      </p>
    );
  }
  return (
    <p className="profile-note chosen" data-testid="profile-note">
      You picked the {label(shown)} profile. Your design&apos;s links are closest to {label(designProfile.profile)}, which the advisor ranks by.{' '}
      <button type="button" className="link-button" onClick={() => void executeCommand(appContext, 'showDesignProfile')} data-testid="profile-follow-design">
        Show {label(designProfile.profile)}
      </button>
    </p>
  );
}

/** The filters: kind, self-hosted only, Clan-native only, and how many VPNs they let through. */
function FilterBar({ filter, onChange, inUse }: { filter: VpnFilter; onChange: (filter: VpnFilter) => void; inUse: VpnId | null }) {
  const shown = filterVpns(filter);
  const hidden = inUse !== null && !shown.includes(inUse);
  return (
    <div className="vpn-filters" role="group" aria-label="Filter the VPNs">
      <label>
        Kind{' '}
        <select value={filter.kind} onChange={(e) => onChange({ ...filter, kind: e.currentTarget.value as VpnFilter['kind'] })} data-testid="filter-kind">
          <option value="all">All kinds</option>
          {vpnKinds.map((k) => (
            <option key={k.id} value={k.id} title={k.description}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
      <label title="Leave out VPNs that rely on servers run by someone else (relays, roots, bootstrap nodes)">
        <input type="checkbox" checked={filter.selfHostedOnly} onChange={(e) => onChange({ ...filter, selfHostedOnly: e.currentTarget.checked })} data-testid="filter-self-hosted" /> Self-hosted only
      </label>
      <label title="Only VPNs that are clan-core services">
        <input type="checkbox" checked={filter.clanNativeOnly} onChange={(e) => onChange({ ...filter, clanNativeOnly: e.currentTarget.checked })} data-testid="filter-clan-native" /> Clan-native only
      </label>
      <span className="filter-summary" data-testid="filter-summary" aria-live="polite">
        {shown.length === 10 ? 'All 10 VPNs' : `${shown.length} of 10 VPNs`}
        {hidden ? ` · ${vpnCatalog[inUse].name} (in use) is filtered out` : ''}
        {shown.length < 10 && (
          <>
            {' · '}
            <button type="button" className="link-button" onClick={() => onChange(noVpnFilter)}>
              show all
            </button>
          </>
        )}
      </span>
    </div>
  );
}

/** The Choose VPN area: measured figures, features, and a ranking for the user's own design. */
export function ChooseVpnArea() {
  if (dataset === undefined) {
    return (
      <div className="panel-crash" role="alert">
        <h2>The benchmark data could not be read</h2>
        <p>The data file bundled with the app is damaged ({datasetError}). Reinstall the app; the rest of it keeps working.</p>
      </div>
    );
  }
  return <ChooseVpnBody dataset={dataset} />;
}

/** The area once the dataset is known to be readable. */
function ChooseVpnBody({ dataset: data }: { dataset: BenchDataset }) {
  const rawDesign = useDesign((s) => s.design);
  const { profile: designProfile } = useAdvisorProfile(rawDesign, data);
  const { design, comparison, chosen } = useShownDesign(designProfile.profile);
  const [view, setView] = useState<ViewId>('leaderboard');
  const [focus, setFocus] = useState<SeriesId | null>(null);
  const [comparing, setComparing] = useState<VpnId[]>([]);
  const [filter, setFilter] = useState<VpnFilter>(noVpnFilter);
  const [whatIf, setWhatIf] = useState<VpnId | null>(null);
  const shownVpns = useMemo(() => filterVpns(filter), [filter]);
  const inUse = design.vpn.id;
  const toggleFocus = (vpn: SeriesId) => setFocus((f) => (f === vpn ? null : vpn));
  const toggleCompare = (vpn: VpnId) => setComparing((list) => (list.includes(vpn) ? list.filter((v) => v !== vpn) : [...list.slice(-1), vpn]));
  const profile = getProfile(data, comparison.profile);

  return (
    <div className="choose-vpn">
      <h2 className="visually-hidden">Choose a mesh VPN</h2>
      <div className="vpn-toolbar">
        <div className="segmented" role="radiogroup" aria-label="Network profile">
          {listProfiles(data).map((p) => (
            <button
              key={p.id}
              type="button"
              role="radio"
              aria-checked={comparison.profile === p.id}
              className={`${comparison.profile === p.id ? 'active' : ''}${designProfile.profile === p.id ? ' design-profile' : ''}`}
              onClick={() => void executeCommand(appContext, 'showProfile', { profile: p.id } satisfies ProfileArgs)}
              title={`${p.description}${p.impairment === null ? '' : `\n${p.impairment.latencyMs} ms delay, ${p.impairment.jitterMs} ms jitter, ${p.impairment.lossPercent} % loss, ${p.impairment.reorderPercent} % reordering`}${designProfile.profile === p.id ? "\nYour design's links are closest to this profile." : ''}`}
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
        <button type="button" onClick={() => setWhatIf(vpnIds.find((v) => v !== inUse)!)} data-testid="what-if-open" title="See what another VPN would change in your design before switching">
          What if…
        </button>
      </div>
      <div className="vpn-subbar">
        <ProfileNote data={data} design={rawDesign} designProfile={designProfile} shown={comparison.profile} chosen={chosen} />
        <FilterBar filter={filter} onChange={setFilter} inUse={inUse} />
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
          <div className={`vpn-view vpn-view-${view}`}>
            <ErrorBoundary area={views.find((v) => v.id === view)!.label} key={view}>
              {view === 'leaderboard' && <Leaderboard dataset={data} comparison={comparison} focus={focus} onFocus={toggleFocus} inUse={inUse} shown={shownVpns} />}
              {view === 'charts' && (
                <Suspense fallback={<LoadingPart className="charts-loading" label="Loading the charts…" />}>
                  <Charts dataset={data} profile={comparison.profile} focus={focus} onFocus={toggleFocus} inUse={inUse} vpns={shownVpns} />
                </Suspense>
              )}
              {view === 'features' && <FeatureMatrix vpns={shownVpns} focus={focus === noVpnId ? null : (focus as VpnId | null)} onFocus={toggleFocus} inUse={inUse} />}
              {view === 'about' && <AboutData dataset={data} />}
            </ErrorBoundary>
          </div>
        </div>
        <ErrorBoundary area="Advisor">
          <AdvisorPanel dataset={data} design={design} comparing={comparing} onCompare={toggleCompare} onUse={setWhatIf} />
        </ErrorBoundary>
      </div>
      {comparing.length === 2 && <CompareDialog dataset={data} design={design} vpns={[comparing[0]!, comparing[1]!]} onClose={() => setComparing([])} onUse={setWhatIf} />}
      {whatIf !== null && <WhatIfDialog key={whatIf} dataset={data} design={rawDesign} profile={designProfile} vpn={whatIf} onClose={() => setWhatIf(null)} />}
    </div>
  );
}
