import { describe, expect, test } from 'vitest';
import { vpnCatalog } from './catalog';
import { getFeatureMatrix } from './features';
import { vpnIds } from './ids';

describe('feature matrix', () => {
  const matrix = getFeatureMatrix();

  test('has the rows the Choose VPN area promises, with a cell for each of the ten VPNs', () => {
    expect(matrix.map((r) => r.id)).toEqual(['transport', 'ipVersions', 'layer', 'natTraversal', 'relays', 'encryption', 'keyRotation', 'mobile', 'clanNative', 'publicNode', 'thirdParty']);
    for (const row of matrix) expect(Object.keys(row.cells).sort()).toEqual([...vpnIds].sort());
  });

  test('every unconfirmed cell says why', () => {
    for (const row of matrix) for (const cell of Object.values(row.cells)) if (!cell.confirmed) expect(cell.note?.length ?? 0).toBeGreaterThan(10);
  });

  test('network rows agree with the catalog the advisor uses', () => {
    const mobile = matrix.find((r) => r.id === 'mobile')!;
    expect(mobile.cells.hyprspace.text).toBe(vpnCatalog.hyprspace.mobileClients.value.length === 0 ? 'None' : mobile.cells.hyprspace.text);
    const thirdParty = matrix.find((r) => r.id === 'thirdParty')!;
    for (const vpn of vpnIds) expect(thirdParty.cells[vpn].tone === 'limited').toBe(vpnCatalog[vpn].thirdPartyInfra.value);
    const clan = matrix.find((r) => r.id === 'clanNative')!;
    expect(vpnIds.filter((v) => clan.cells[v].text.startsWith('Yes')).sort()).toEqual(['mycelium', 'wireguard', 'yggdrasil', 'zerotier']);
  });

  test('WireGuard, which the benchmark repository matrix lacks, has every row filled', () => {
    for (const row of matrix) expect(row.cells.wireguard.text.length).toBeGreaterThan(1);
  });
});
