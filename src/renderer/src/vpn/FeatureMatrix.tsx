import { Fragment, type ReactNode } from 'react';
import { getFeatureMatrix } from '../../../shared/vpn/features';
import { vpnCatalog } from '../../../shared/vpn/catalog';
import type { VpnId } from '../../../shared/vpn/ids';
import { InUseBadge } from './InUseBadge';
import { ScrollArea } from './ScrollArea';

const matrix = getFeatureMatrix();

/** The text with a line-break opportunity after each '/' ("Salsa20/Poly1305"), so long terms do not widen a column. */
function breakAfterSlashes(text: string): ReactNode {
  const parts = text.split('/');
  return parts.map((part, i) => (
    <Fragment key={i}>
      {part}
      {i < parts.length - 1 && (
        <>
          /<wbr />
        </>
      )}
    </Fragment>
  ));
}

/**
 * The VPNs' features side by side (the ten, or those the filters let through); unconfirmed cells are marked and say
 * why on hover. The feature names stay on screen while the columns scroll, and the VPN in use is marked.
 */
export function FeatureMatrix({ vpns, focus, onFocus, inUse }: { vpns: readonly VpnId[]; focus: VpnId | null; onFocus: (vpn: VpnId) => void; inUse: VpnId | null }) {
  const columnClass = (vpn: VpnId) => `${focus === vpn ? 'focused' : ''}${inUse === vpn ? ' in-use' : ''}`;
  return (
    <ScrollArea label="Feature matrix">
      <table className="feature-matrix">
        <caption>
          Features of the {vpns.length === 10 ? 'ten VPNs' : `${vpns.length} VPNs the filters let through`}. Cells marked <span className="unconfirmed-mark">?</span> are claims we have not confirmed; hover for where they come
          from.
        </caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            {vpns.map((vpn) => (
              <th key={vpn} scope="col" className={columnClass(vpn)} data-vpn={vpn}>
                <button type="button" className="link-button" onClick={() => onFocus(vpn)}>
                  {vpnCatalog[vpn].name}
                </button>
                {inUse === vpn && <InUseBadge />}
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
              {vpns.map((vpn) => {
                const cell = row.cells[vpn];
                return (
                  <td key={vpn} className={`tone-${cell.tone} ${columnClass(vpn)}`} title={cell.note}>
                    {breakAfterSlashes(cell.text)}
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
    </ScrollArea>
  );
}
