import { getFeatureMatrix } from '../../../shared/vpn/features';
import { vpnCatalog } from '../../../shared/vpn/catalog';
import { vpnIds, type VpnId } from '../../../shared/vpn/ids';

const matrix = getFeatureMatrix();

/** The ten VPNs' features side by side; unconfirmed cells are marked and say why on hover. */
export function FeatureMatrix({ focus, onFocus }: { focus: VpnId | null; onFocus: (vpn: VpnId) => void }) {
  return (
    <div className="table-scroll">
      <table className="feature-matrix">
        <caption>
          Features of the ten VPNs. Cells marked <span className="unconfirmed-mark">?</span> are claims we have not confirmed; hover for where they come from.
        </caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            {vpnIds.map((vpn) => (
              <th key={vpn} scope="col" className={focus === vpn ? 'focused' : ''}>
                <button type="button" className="link-button" onClick={() => onFocus(vpn)}>
                  {vpnCatalog[vpn].name}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row) => (
            <tr key={row.id}>
              <th scope="row" title={row.description}>
                {row.label}
              </th>
              {vpnIds.map((vpn) => {
                const cell = row.cells[vpn];
                return (
                  <td key={vpn} className={`tone-${cell.tone}${focus === vpn ? ' focused' : ''}`} title={cell.note}>
                    {cell.text}
                    {!cell.confirmed && (
                      <span className="unconfirmed-mark" aria-label="not confirmed">
                        ?
                      </span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
