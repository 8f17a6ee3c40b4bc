import { useMemo } from 'react';
import { advise } from '../../../shared/bench/advisor';
import { computeLeaderboard, formatFactor, formatFigure } from '../../../shared/bench/leaderboard';
import type { BenchDataset } from '../../../shared/bench/schema';
import { describePathCounts, getPathCounts, switchVpn } from '../../../shared/model/vpnSwitch';
import type { Design } from '../../../shared/model/types';
import { vpnCatalog } from '../../../shared/vpn/catalog';
import { getFeatureMatrix } from '../../../shared/vpn/features';
import type { VpnId } from '../../../shared/vpn/ids';
import { Modal } from '../dialogs/Modal';

/** What the canvas would show with this VPN: the predicted paths between sites, counted. */
function pathSummary(design: Design, vpn: VpnId): string {
  const text = describePathCounts(getPathCounts(switchVpn(design, vpn)));
  return text === 'none' ? 'No connections between sites to predict.' : text;
}

/**
 * Two VPNs side by side: figures, features, the roles they need and what changes on the canvas. The table scrolls
 * under a fixed footer, so the dialog opens at its top and its buttons are always on screen. "Use" goes through the
 * what-if panel (onUse), like the advisor's "Use this VPN".
 */
export function CompareDialog({ dataset, design, vpns, onClose, onUse }: { dataset: BenchDataset; design: Design; vpns: readonly [VpnId, VpnId]; onClose: () => void; onUse: (vpn: VpnId) => void }) {
  const board = useMemo(() => computeLeaderboard(dataset, { profile: design.comparison.profile, weights: design.comparison.weights, scoreProfiles: design.comparison.scoreProfiles }), [dataset, design.comparison]);
  const advice = useMemo(() => advise(design, dataset, design.comparison.priorities), [design, dataset]);
  const rows = vpns.map((vpn) => board.rows.find((r) => r.series === vpn)!);
  const entries = vpns.map((vpn) => advice.entries.find((e) => e.vpn === vpn)!);
  const matrix = getFeatureMatrix();
  return (
    <Modal title={`${vpnCatalog[vpns[0]].name} and ${vpnCatalog[vpns[1]].name}`} onClose={onClose} className="wide compare-dialog dialog-with-footer" testId="compare-dialog">
      <div className="dialog-body">
        <table className="compare-table">
          <thead>
            <tr>
              <th scope="col" />
              {vpns.map((vpn) => (
                <th key={vpn} scope="col">
                  {vpnCatalog[vpn].name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr className="group">
              <th colSpan={3}>Measured ({dataset.profiles.find((p) => p.id === design.comparison.profile)?.label})</th>
            </tr>
            {board.columns.map((column, i) => {
              const cells = rows.map((r) => r.cells[i]!);
              return (
                <tr key={column.workload}>
                  <th scope="row">
                    {column.shortLabel} <span className="direction">{column.direction === 'higherIsBetter' ? '↑' : '↓'}</span>
                  </th>
                  {cells.map((cell, j) => (
                    <td key={vpns[j]} className={cell.factor !== null && cells.every((c) => c.factor !== null && c.factor >= cell.factor!) ? 'winner' : ''}>
                      {cell.value === null ? '—' : formatFigure(cell.value, column.unit)}
                      {cell.factor !== null && <span className="factor"> {formatFactor(cell.factor)}</span>}
                    </td>
                  ))}
                </tr>
              );
            })}
            <tr>
              <th scope="row">Score (lower is better)</th>
              {rows.map((r, j) => (
                <td key={vpns[j]}>{r.score === null ? '—' : formatFactor(r.score)}</td>
              ))}
            </tr>
            <tr className="group">
              <th colSpan={3}>For your design</th>
            </tr>
            <tr>
              <th scope="row">Advisor</th>
              {entries.map((e, j) => (
                <td key={vpns[j]}>{e.excluded ? `Ruled out: ${e.exclusionReasons.join(' ')}` : `Rank ${e.rank}, ${Math.round(e.score)} of 100`}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">Roles it needs</th>
              {entries.map((e, j) => (
                <td key={vpns[j]}>
                  {e.roles
                    .filter((r) => r.labels.length > 0)
                    .map((r) => `${r.machine}: ${r.labels.join(', ')}`)
                    .join('; ') || 'none assigned'}
                </td>
              ))}
            </tr>
            <tr>
              <th scope="row">Connections between sites</th>
              {vpns.map((vpn) => (
                <td key={vpn}>{pathSummary(design, vpn)}</td>
              ))}
            </tr>
            <tr className="group">
              <th colSpan={3}>Features</th>
            </tr>
            {matrix.map((row) => (
              <tr key={row.id}>
                <th scope="row">{row.label}</th>
                {vpns.map((vpn) => (
                  <td key={vpn} title={row.cells[vpn].note}>
                    {row.cells[vpn].text}
                    {!row.cells[vpn].confirmed && <span className="unconfirmed-mark">?</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="button-row dialog-footer">
        {vpns.map((vpn) => (
          <button
            key={vpn}
            type="button"
            disabled={design.vpn.id === vpn}
            onClick={() => {
              onClose();
              onUse(vpn);
            }}
          >
            Use {vpnCatalog[vpn].name}…
          </button>
        ))}
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
