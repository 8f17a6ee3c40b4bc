import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ErrorBar, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { getCell, getHeadline, getSeriesName, listProfiles, listSeries, listWorkloads } from '../../../shared/bench/query';
import type { BenchDataset, ProfileId, SeriesId, WorkloadId } from '../../../shared/bench/schema';
import { formatFigure } from '../../../shared/bench/leaderboard';
import { noVpnId, type VpnId } from '../../../shared/vpn/ids';

const palette = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d', '#0f766e'];

/** Colour of a series, stable across charts. */
export function seriesColour(dataset: BenchDataset, vpn: SeriesId): string {
  return palette[listSeries(dataset).indexOf(vpn) % palette.length]!;
}

/** A series' name on the charts; the VPN in use says so, since a chart has no other place for the mark. */
function chartName(vpn: SeriesId, inUse: VpnId | null): string {
  return vpn === inUse ? `${getSeriesName(vpn)} (in use)` : getSeriesName(vpn);
}

/**
 * Per-workload bars with min/max error bars for one profile, and each VPN's degradation across the four
 * profiles, for the VPNs the filters let through and the no-VPN reference. Clicking a bar or a line focuses that
 * VPN everywhere in the area; the VPN in use is named so and its bar outlined.
 */
export function Charts({ dataset, profile, focus, onFocus, inUse, vpns }: { dataset: BenchDataset; profile: ProfileId; focus: SeriesId | null; onFocus: (vpn: SeriesId) => void; inUse: VpnId | null; vpns: readonly VpnId[] }) {
  const workloads = listWorkloads(dataset).filter((w) => !w.baselineOnly || profile === 'baseline');
  const [workloadId, setWorkloadId] = useState<WorkloadId>('tcp');
  const workload = workloads.find((w) => w.id === workloadId) ?? workloads[0]!;
  const series = listSeries(dataset).filter((s) => s === noVpnId || (vpns as readonly SeriesId[]).includes(s));

  // Eleven series by a handful of profiles: cheap enough to recompute on every render.
  const bars = series.map((vpn) => {
        const cell = getCell(dataset, vpn, profile, workload.id);
        const value = cell === undefined ? null : getHeadline(cell, workload);
        const spread = cell === undefined || value === null || cell.min === null || cell.max === null || workload.aggregate === 'sum' ? [0, 0] : [value - cell.min, cell.max - value];
        return { vpn, name: chartName(vpn, inUse), value, spread, ok: cell === undefined ? 0 : cell.okPairs, total: cell?.totalPairs ?? 3 };
      });

  const degradationWorkload = workload.baselineOnly ? listWorkloads(dataset).find((w) => w.id === 'tcp')! : workload;
  const lines = listProfiles(dataset).map((p) => {
        const row: Record<string, string | number | null> = { profile: p.label };
        for (const vpn of series) {
          const cell = getCell(dataset, vpn, p.id, degradationWorkload.id);
          row[vpn] = cell === undefined ? null : getHeadline(cell, degradationWorkload);
        }
        return row;
      });

  return (
    <div className="charts">
      <div className="chart-controls">
        <label>
          Workload{' '}
          <select value={workload.id} onChange={(e) => setWorkloadId(e.currentTarget.value as WorkloadId)} data-testid="chart-workload">
            {workloads.map((w) => (
              <option key={w.id} value={w.id}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <span className="chart-hint">
          {workload.direction === 'higherIsBetter' ? 'Higher is better' : 'Lower is better'} · error bars: slowest and fastest machine pair · click a bar to focus a VPN
        </span>
      </div>
      <figure className="chart" aria-label={`${workload.label} by VPN`}>
        <figcaption>
          {workload.label} ({workload.unit}), {dataset.profiles.find((p) => p.id === profile)?.label}
        </figcaption>
        <ResponsiveContainer width="100%" height={280}>
          {/* A new chart when the filters change the bars: recharts' error bars otherwise keep the old bars' places. */}
          <BarChart key={series.join()} data={bars} margin={{ top: 8, right: 16, bottom: 48, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="name" angle={-30} textAnchor="end" interval={0} height={72} tick={{ fontSize: 11 }} />
            <YAxis tick={{ fontSize: 11 }} />
            <Tooltip formatter={(value) => typeof value === 'number' ? formatFigure(value, workload.unit) : '—'} />
            <Bar dataKey="value" isAnimationActive={false} onClick={(entry) => onFocus((entry as unknown as { vpn: SeriesId }).vpn)} cursor="pointer">
              {bars.map((b) => (
                <Cell key={b.vpn} fill={seriesColour(dataset, b.vpn)} fillOpacity={focus === null || focus === b.vpn ? 1 : 0.25} stroke={b.vpn === inUse ? 'var(--accent)' : undefined} strokeWidth={b.vpn === inUse ? 3 : 0} />
              ))}
              {/* Not animated: recharts grows every error bar again from nothing whenever the bars move (a resize). */}
              <ErrorBar dataKey="spread" width={4} strokeWidth={1.5} stroke="currentColor" isAnimationActive={false} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <figure className="chart" aria-label={`${degradationWorkload.label} across network profiles`}>
        <figcaption>
          {degradationWorkload.label} from baseline to high impairment ({degradationWorkload.unit}, log scale)
        </figcaption>
        <ResponsiveContainer width="100%" height={300}>
          <LineChart data={lines} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="profile" tick={{ fontSize: 11 }} />
            <YAxis scale="log" domain={['auto', 'auto']} allowDataOverflow tick={{ fontSize: 11 }} />
            <Tooltip formatter={(value) => typeof value === 'number' ? formatFigure(value, degradationWorkload.unit) : '—'} />
            <Legend onClick={(entry) => onFocus((entry as { dataKey?: unknown }).dataKey as SeriesId)} wrapperStyle={{ fontSize: 11, cursor: 'pointer' }} />
            {series.map((vpn) => (
              <Line
                key={vpn}
                type="linear"
                dataKey={vpn}
                name={chartName(vpn, inUse)}
                stroke={seriesColour(dataset, vpn)}
                strokeWidth={focus === vpn ? 3.5 : 1.5}
                strokeOpacity={focus === null || focus === vpn ? 1 : 0.2}
                dot={{ r: 2 }}
                isAnimationActive={false}
                connectNulls={false}
                onClick={() => onFocus(vpn)}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}
