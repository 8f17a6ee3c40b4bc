import { vpnCatalog, type Fact, type RelayKind } from './catalog';
import { vpnIds, type VpnId } from './ids';

// The feature matrix of the Choose VPN area. Transport, addressing, layer and crypto rows start from the thesis
// repository's feature matrix (nine VPNs, written with an LLM's help, some cells questionable) plus WireGuard;
// a cell is "confirmed" only where the project's own documentation says so plainly. The network rows (NAT
// traversal, relays, mobile clients, Clan-native, public node, third parties) come from the VPN catalog, the
// same facts the advisor and the path prediction use, so the matrix can never disagree with them.

/** One cell: short text, whether we confirmed it, and why not when we did not. */
export interface FeatureCell {
  text: string;
  /** The cell's rough verdict for colouring: good, limited, absent, or neutral information. */
  tone: 'good' | 'limited' | 'absent' | 'info';
  confirmed: boolean;
  note?: string;
}

/** A row of the matrix. */
export interface FeatureRow {
  id: string;
  label: string;
  description: string;
  cells: Record<VpnId, FeatureCell>;
}

const matrixNote = 'From the benchmark repository’s feature matrix; not confirmed by us.';
const c = (text: string, tone: FeatureCell['tone'], confirmed = false, note?: string): FeatureCell => ({ text, tone, confirmed, ...(confirmed ? (note === undefined ? {} : { note }) : { note: note ?? matrixNote }) });

const transport: Record<VpnId, FeatureCell> = {
  easytier: c('UDP, TCP, QUIC, WebSocket', 'good'),
  headscale: c('UDP (WireGuard); TCP via DERP relays', 'good', true),
  hyprspace: c('libp2p: UDP (QUIC), TCP', 'good'),
  mycelium: c('TCP and QUIC between peers', 'info'),
  nebula: c('UDP only', 'limited', true),
  tinc: c('UDP, falls back to TCP', 'good', true),
  vpncloud: c('UDP', 'limited'),
  wireguard: c('UDP only', 'limited', true),
  yggdrasil: c('TCP, TLS, QUIC, WebSocket peerings', 'info', true),
  zerotier: c('UDP, TCP fallback via relays', 'good', true),
};

const ipVersions: Record<VpnId, FeatureCell> = {
  easytier: c('IPv4 and IPv6', 'good'),
  headscale: c('IPv4 and IPv6', 'good', true),
  hyprspace: c('IPv4 and IPv6', 'good'),
  mycelium: c('IPv6 only (400::/7)', 'limited', true),
  nebula: c('IPv4 overlay (IPv6 underlay)', 'limited', true),
  tinc: c('IPv4 and IPv6', 'good', true),
  vpncloud: c('IPv4 and IPv6', 'good'),
  wireguard: c('IPv4 and IPv6 (Clan: IPv6 ULA)', 'good', true),
  yggdrasil: c('IPv6 only (200::/7)', 'limited', true),
  zerotier: c('IPv4 and IPv6 (Clan: IPv6)', 'good', true),
};

const layer: Record<VpnId, FeatureCell> = {
  easytier: c('Layer 3', 'info'),
  headscale: c('Layer 3', 'info', true),
  hyprspace: c('Layer 3', 'info'),
  mycelium: c('Layer 3', 'info', true),
  nebula: c('Layer 3', 'info', true),
  tinc: c('Layer 3 or 2 (router or switch mode)', 'good', true),
  vpncloud: c('Layer 3 or 2', 'good'),
  wireguard: c('Layer 3', 'info', true),
  yggdrasil: c('Layer 3', 'info', true),
  zerotier: c('Layer 2 (virtual Ethernet)', 'good', true),
};

const encryption: Record<VpnId, FeatureCell> = {
  easytier: c('Shared network secret; AES-GCM or ChaCha20', 'limited', false, 'Matrix says no modern key exchange and no forward secrecy; not confirmed by us.'),
  headscale: c('WireGuard: Noise IK, Curve25519, ChaCha20-Poly1305', 'good', true),
  hyprspace: c('libp2p secure channels (Noise or TLS)', 'good'),
  mycelium: c('Curve25519 key exchange, AES-256-GCM', 'good'),
  nebula: c('Noise, Curve25519, AES-256-GCM or ChaCha20; certificates', 'good', true),
  tinc: c('1.1: Curve25519 + ChaCha20-Poly1305; 1.0: RSA + AES', 'good', true, 'Which one you get depends on the Tinc version nixpkgs ships.'),
  vpncloud: c('Curve25519 key exchange, AES-GCM or ChaCha20', 'good'),
  wireguard: c('Noise IK, Curve25519, ChaCha20-Poly1305', 'good', true),
  yggdrasil: c('Ed25519 identities, end-to-end encrypted sessions', 'good'),
  zerotier: c('Curve25519, Salsa20/Poly1305 or AES-GMAC-SIV', 'good', true),
};

const keyRotation: Record<VpnId, FeatureCell> = {
  easytier: c('No', 'absent'),
  headscale: c('Yes: session keys rotate every few minutes', 'good', true),
  hyprspace: c('No', 'absent'),
  mycelium: c('No', 'absent'),
  nebula: c('Certificates expire and are re-issued', 'limited', true),
  tinc: c('Yes: session keys are renegotiated', 'good'),
  vpncloud: c('Yes', 'good'),
  wireguard: c('Yes: session keys rotate every two minutes', 'good', true),
  yggdrasil: c('No', 'absent'),
  zerotier: c('No', 'absent'),
};

const traversalText = { holePunch: 'UDP hole punching', hubAndSpoke: 'None: all traffic through a hub', none: 'None: peers only dial reachable addresses' } as const;
const relayText: Record<RelayKind, string> = {
  selfHostedRelay: 'On a machine of yours',
  thirdPartyRelay: 'Public relays run by others',
  routesThroughPeers: 'Routes through other members',
  none: 'None',
};

function fromFact<T>(fact: Fact<T>, text: string, tone: FeatureCell['tone']): FeatureCell {
  return { text, tone, confirmed: fact.confirmed, ...(fact.note === undefined ? {} : { note: fact.note }) };
}

function catalogRow(id: string, label: string, description: string, cell: (vpn: VpnId) => FeatureCell): FeatureRow {
  const cells = {} as Record<VpnId, FeatureCell>;
  for (const vpn of vpnIds) cells[vpn] = cell(vpn);
  return { id, label, description, cells };
}

/** The feature matrix: one row per feature, one cell per VPN. */
export function getFeatureMatrix(): FeatureRow[] {
  return [
    { id: 'transport', label: 'Transport', description: 'Which protocols carry the tunnel between machines.', cells: transport },
    { id: 'ipVersions', label: 'IPv4 / IPv6', description: 'Which addresses machines get inside the VPN.', cells: ipVersions },
    { id: 'layer', label: 'Layer 2 / 3', description: 'Layer 3 carries IP packets; layer 2 carries whole Ethernet frames (needed for bridging LANs).', cells: layer },
    catalogRow('natTraversal', 'NAT traversal', 'How two machines that are both behind NAT reach each other.', (vpn) => {
      const spec = vpnCatalog[vpn];
      const text = spec.natTraversal.value === 'holePunch' && spec.symmetricNat.value ? `${traversalText.holePunch}, also through strict NAT` : traversalText[spec.natTraversal.value];
      return fromFact(spec.natTraversal, text, spec.natTraversal.value === 'holePunch' ? 'good' : 'limited');
    }),
    catalogRow('relays', 'Relays', 'Where traffic goes when no direct path works.', (vpn) => {
      const fact = vpnCatalog[vpn].relay;
      return fromFact(fact, relayText[fact.value], fact.value === 'none' ? 'absent' : fact.value === 'thirdPartyRelay' ? 'limited' : 'good');
    }),
    { id: 'encryption', label: 'Encryption', description: 'Key exchange and cipher.', cells: encryption },
    { id: 'keyRotation', label: 'Key rotation', description: 'Whether session keys are replaced regularly (forward secrecy).', cells: keyRotation },
    catalogRow('mobile', 'Mobile clients', 'Apps for phones and tablets, so unmanaged devices can join.', (vpn) => {
      const fact = vpnCatalog[vpn].mobileClients;
      const names = fact.value.map((p) => (p === 'ios' ? 'iOS' : 'Android'));
      return fromFact(fact, names.length === 0 ? 'None' : names.join(', '), names.length === 2 ? 'good' : names.length === 1 ? 'limited' : 'absent');
    }),
    catalogRow('clanNative', 'Clan-native', 'Shipped as a Clan service; otherwise the app generates its own module.', (vpn) => {
      const native = vpnCatalog[vpn].clanNative;
      return { text: native ? 'Yes, a clan-core service' : 'No, generated module', tone: native ? 'good' : 'info', confirmed: true };
    }),
    catalogRow('publicNode', 'Needs a public node', 'Whether one of your machines must be reachable from the internet (e.g. a VPS).', (vpn) => {
      const fact = vpnCatalog[vpn].needsOwnPublicNode;
      return fromFact(fact, fact.value ? 'Yes' : 'No', fact.value ? 'limited' : 'good');
    }),
    catalogRow('thirdParty', 'Third-party infrastructure', 'Whether it relies on public servers run by someone else by default.', (vpn) => {
      const spec = vpnCatalog[vpn];
      return fromFact(spec.thirdPartyInfra, spec.thirdPartyInfra.value ? (spec.thirdPartyDescription ?? 'Yes') : 'No, fully self-hosted', spec.thirdPartyInfra.value ? 'limited' : 'good');
    }),
  ];
}
