import { describe, expect, test } from 'vitest';
import { designBuilder } from '../model/designBuilder';
import { allocateOverlayAddresses } from '../nix/addresses';
import { vpnIds, type VpnId } from '../vpn/ids';
import { describeVerifyError } from './errors';
import {
  configuredOverlayAddresses,
  discoveryQueries,
  overlayAddressVarPaths,
  parseDiscovery,
  parseInterface,
  parseUnitState,
  probeAddress,
  vpnInterface,
  vpnUnit,
  withConfiguredAddress,
  type DiscoveryOutputs,
  type QueryOutput,
} from './discovery';

// Fixtures are written in each tool's real output format; the comment above each says where the format comes from.

const out = (stdout: string, exitCode: number | null = 0, stderr = ''): QueryOutput => ({ stdout, stderr, exitCode });

// `systemctl show -p LoadState -p ActiveState -p SubState UNIT`: key=value lines in systemd's property order.
const unitActive = out('LoadState=loaded\nActiveState=active\nSubState=running\n');
const unitFailed = out('LoadState=loaded\nActiveState=failed\nSubState=failed\n');
const unitMissing = out('LoadState=not-found\nActiveState=inactive\nSubState=dead\n');

// iproute2 `ip -j addr show dev IF` (the same shape as `ip -j addr show dev lo` on Debian 12's iproute2 6.1).
const ipAddr = (ifname: string, ...addrs: { family: 'inet' | 'inet6'; local: string; prefixlen: number; scope?: string }[]) =>
  out(
    JSON.stringify([
      {
        ifindex: 7,
        ifname,
        flags: ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'],
        mtu: 1280,
        qdisc: 'fq_codel',
        operstate: 'UNKNOWN',
        group: 'default',
        txqlen: 500,
        link_type: 'none',
        addr_info: addrs.map((a) => ({ ...a, scope: a.scope ?? 'global', label: a.family === 'inet' ? ifname : undefined, valid_life_time: 4294967295, preferred_life_time: 4294967295 })),
      },
    ]),
  );
const noDevice = (ifname: string) => out('', 1, `Device "${ifname}" does not exist.\n`);

const ctx = (vpn: VpnId, machine = 'nas', instance = 'mesh') => ({ vpn, instance, machine });

describe('the commands that ask a machine', () => {
  test('every VPN gets argv arrays only, a unit check first, with the names the generated configuration uses', () => {
    for (const vpn of vpnIds) {
      const queries = discoveryQueries(vpn, 'mesh');
      expect(queries.ok, vpn).toBe(true);
      if (!queries.ok) continue;
      expect(queries.value[0]!.argv).toEqual(['systemctl', 'show', '-p', 'LoadState', '-p', 'ActiveState', '-p', 'SubState', vpnUnit(vpn, 'mesh')]);
      for (const q of queries.value) {
        expect(Array.isArray(q.argv)).toBe(true);
        // Read-only: none of them changes anything on the machine.
        expect(q.argv.join(' ')).not.toMatch(/\b(?:up|down|set|add|del|remove|restart|start|stop|orbit|join|leave)\b/);
      }
    }
    const argv = (vpn: VpnId) => (discoveryQueries(vpn, 'mesh') as { value: { id: string; argv: string[] }[] }).value.map((q) => q.argv);
    expect(argv('yggdrasil')).toContainEqual(['yggdrasilctl', '-json', 'getself']);
    expect(argv('yggdrasil')).toContainEqual(['ip', '-j', 'addr', 'show', 'dev', 'ygg']);
    expect(argv('wireguard')).toContainEqual(['wg', 'show', 'mesh', 'allowed-ips']);
    expect(argv('nebula')).toContainEqual(['ip', '-j', 'addr', 'show', 'dev', 'nebula.mesh']);
    expect(argv('tinc')).toContainEqual(['tinc.mesh', '-n', 'mesh', 'dump', 'nodes']);
    expect(argv('headscale')).toContainEqual(['tailscale', 'status', '--json']);
    expect(argv('zerotier')).toContainEqual(['zerotier-cli', '-j', 'listnetworks']);
    expect(argv('easytier')).toContainEqual(['easytier-cli', '-o', 'json', 'peer']);
    expect(argv('mycelium')).toContainEqual(['mycelium', 'peers', 'list', '--json']);
    expect(argv('hyprspace')).toContainEqual(['hyprspace', 'status']);
    expect(argv('vpncloud')[1]![0]).toBe('ip');
    expect(argv('vpncloud')[1]).toContain('to');
    // Never the dump: its first line is WireGuard's private key.
    expect(argv('wireguard').flat()).not.toContain('dump');
  });

  test('interface and unit names follow the modules: cut to 15 bytes where the module cuts', () => {
    expect(vpnInterface('headscale', 'family-network')).toBe('ts-family-netwo');
    expect(vpnInterface('easytier', 'a-very-long-instance')).toBe('a-very-long-ins');
    expect(vpnInterface('tinc', 'mesh')).toBe('tinc.mesh');
    expect(vpnInterface('zerotier', 'mesh')).toBeNull();
    expect(vpnUnit('nebula', 'mesh')).toBe('nebula@mesh.service');
    expect(vpnUnit('wireguard', 'wg0')).toBe('wireguard-wg0.service');
  });

  test('an instance name a valid design cannot hold never reaches a command', () => {
    for (const instance of ['-n', '$(reboot)', 'mesh\nid', 'Mesh', '', 'a b', '../x']) {
      const queries = discoveryQueries('nebula', instance);
      expect(queries.ok, JSON.stringify(instance)).toBe(false);
      if (!queries.ok) expect(describeVerifyError(queries.error)).toContain('not a valid instance name');
    }
  });

  test("Nebula's certificate path is passed only when it is a plain absolute path", () => {
    const ok = discoveryQueries('nebula', 'mesh', { nebulaCertificatePath: '/home/ann/.local/share/clan-network-designer/flakes/family/vars/per-machine/nas/nebula-mesh/node.crt/value' });
    expect(ok.ok && ok.value.at(-1)!.argv.slice(0, 4)).toEqual(['nebula-cert', 'print', '-json', '-path']);
    for (const path of ['-json', 'relative/node.crt', '/tmp/x\nrm -rf /', '']) {
      const refused = discoveryQueries('nebula', 'mesh', { nebulaCertificatePath: path });
      expect(refused.ok, JSON.stringify(path)).toBe(false);
      if (!refused.ok) expect(refused.error.code).toBe('valueRefused');
    }
  });
});

describe('reading the unit and the interface', () => {
  test('systemctl show and ip -j are read; garbage is unreadable, never an exception', () => {
    expect(parseUnitState(unitActive)).toEqual({ load: 'loaded', active: 'active', sub: 'running' });
    expect(parseUnitState(out('Welcome!\n\u0000\u0007'))).toBeNull();
    expect(parseInterface(noDevice('ygg'))).toEqual({ kind: 'missing' });
    expect(parseInterface(out('[{"ifname": "ygg", "addr_info": [{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]}]'))).toMatchObject({ kind: 'found', addresses: [] });
    expect(parseInterface(out('{"truncated": '))).toMatchObject({ kind: 'unreadable' });
    // `ip addr show to PREFIX` with no matching address prints an empty list.
    expect(parseInterface(out('[]\n'))).toEqual({ kind: 'missing' });
  });
});

describe('Yggdrasil', () => {
  // yggdrasilctl -json getself: yggdrasil-go src/admin/getself.go, printed with json.MarshalIndent(…, "", "  ").
  const getself = `{
  "build_name": "yggdrasil",
  "build_version": "0.5.12",
  "key": "9f5b1c0d44a1d6b3c5f3e07b0a3f0ac0b8b0a6f2e9c1d2b3a4f5e6d7c8b9a0f1",
  "address": "200:c149:c7e5:7755:bd2b:99c4:3f5e:8a1f",
  "routing_entries": 3,
  "subnet": "300:c149:c7e5:7755::/64"
}`;
  // yggdrasilctl -json getpeers: src/admin/getpeers.go; the second peer was found by multicast on the LAN.
  const getpeers = `{
  "peers": [
    {
      "remote": "tls://203.0.113.10:6446",
      "up": true,
      "inbound": false,
      "address": "201:7a3f:1c2d:9e4b:5a6c:7d8e:9f01:2345",
      "key": "3e1f0a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
      "port": 1,
      "priority": 0,
      "cost": 110,
      "bytes_recvd": 482113,
      "bytes_sent": 391007,
      "uptime": 3602.41,
      "latency": 23410519
    },
    {
      "remote": "tls://[fe80::a00:27ff:fe4e:66a1%25eth0]:46311",
      "up": true,
      "inbound": true,
      "address": "202:11aa:22bb:33cc:44dd:55ee:66ff:7788",
      "key": "5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3",
      "port": 2,
      "priority": 0,
      "cost": 10,
      "uptime": 812.2
    }
  ]
}`;

  test('a running node: its address and key from getself, each direct peer from getpeers', () => {
    const d = parseDiscovery(ctx('yggdrasil'), { unit: unitActive, interface: ipAddr('ygg', { family: 'inet6', local: '200:c149:c7e5:7755:bd2b:99c4:3f5e:8a1f', prefixlen: 7 }), self: out(getself), peers: out(getpeers) });
    expect(d).toMatchObject({ state: 'running', addresses: ['200:c149:c7e5:7755:bd2b:99c4:3f5e:8a1f'], source: 'vpn', identity: '9f5b1c0d44a1d6b3c5f3e07b0a3f0ac0b8b0a6f2e9c1d2b3a4f5e6d7c8b9a0f1' });
    expect(d.message).toBe('Yggdrasil runs on "nas" with overlay address 200:c149:c7e5:7755:bd2b:99c4:3f5e:8a1f.');
    expect(d.peers!.map((p) => [p.addresses[0], p.path, p.detail])).toEqual([
      ['201:7a3f:1c2d:9e4b:5a6c:7d8e:9f01:2345', 'direct', 'peered directly (tls://203.0.113.10:6446)'],
      ['202:11aa:22bb:33cc:44dd:55ee:66ff:7788', 'direct', 'peered on the local network (tls://[fe80::a00:27ff:fe4e:66a1%25eth0]:46311)'],
    ]);
  });

  test("yggdrasilctl's own failure text (it exits 0 after a panic) means the daemon is down", () => {
    // cmd/yggdrasilctl/main.go recovers the panic and prints its log buffer.
    const down = out(
      '2026/08/20 10:01:02 Connecting to UNIX socket /var/run/yggdrasil.sock\n2026/08/20 10:01:02 Fatal error: dial unix /var/run/yggdrasil.sock: connect: no such file or directory\n',
    );
    const d = parseDiscovery(ctx('yggdrasil'), { interface: noDevice('ygg'), self: down });
    expect(d.state).toBe('notRunning');
    expect(d.message).toContain('The Yggdrasil daemon on "nas" is not running: Fatal error: dial unix /var/run/yggdrasil.sock');
    expect(d.message).toContain('journalctl -u yggdrasil.service');
  });
});

describe('ZeroTier', () => {
  // zerotier-cli -j info / listnetworks / listpeers: ZeroTierOne service/OneService.cpp (_networkToJson, _peerToJson).
  const info = JSON.stringify({ address: 'a1b2c3d4e5', clock: 1755684000000, online: true, planetWorldId: 149604618, publicIdentity: 'a1b2c3d4e5:0:9a3f…', tcpFallbackActive: false, version: '1.14.2', versionMajor: 1, versionMinor: 14, versionRev: 2 }, null, 1);
  const network = (status: string, assigned: string[]) =>
    JSON.stringify(
      [
        {
          allowDNS: false,
          allowDefault: false,
          allowGlobal: false,
          allowManaged: true,
          assignedAddresses: assigned,
          bridge: false,
          broadcastEnabled: true,
          dhcp: false,
          dns: { domain: '', servers: [] },
          id: '5dba3c5c138e273b',
          mac: '6e:8b:21:0c:fe:41',
          mtu: 2800,
          multicastSubscriptions: [{ adi: 0, mac: 'ff:ff:ff:ff:ff:ff' }],
          name: 'mesh',
          netconfRevision: 7,
          nwid: '5dba3c5c138e273b',
          portDeviceName: 'ztr2qsmswx',
          portError: 0,
          routes: [{ flags: 0, metric: 0, target: 'fd5d:ba3c:5c13:8e27:3b99:9300::/88', via: null }],
          status,
          type: 'PRIVATE',
        },
      ],
      null,
      1,
    );
  const listpeers = JSON.stringify(
    [
      { address: '778cde7190', isBonded: false, latency: 121, paths: [{ active: true, address: '103.195.103.66/9993', expired: false, lastReceive: 1755683999000, lastSend: 1755683999500, localSocket: 1, preferred: true, trustedPathId: 0 }], role: 'PLANET', tunneled: false, version: '-1.-1.-1' },
      { address: 'b2c3d4e5f6', isBonded: false, latency: 34, paths: [{ active: true, address: '198.51.100.7/41234', expired: false, lastReceive: 1755683999100, lastSend: 1755683999200, localSocket: 1, preferred: true, trustedPathId: 0 }], role: 'LEAF', tunneled: false, version: '1.14.2' },
      { address: 'c3d4e5f6a7', isBonded: false, latency: -1, paths: [], role: 'LEAF', tunneled: false, version: '1.14.2' },
    ],
    null,
    1,
  );

  test('a member of the network: address from listnetworks, node id from info, direct and relayed peers', () => {
    const d = parseDiscovery({ ...ctx('zerotier'), zerotierNetworkId: '5dba3c5c138e273b' }, { unit: unitActive, self: out(info), networks: out(network('OK', ['fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5/88'])), peers: out(listpeers) });
    expect(d).toMatchObject({ state: 'running', addresses: ['fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5'], identity: 'a1b2c3d4e5' });
    const byId = Object.fromEntries(d.peers!.map((p) => [p.identity, p]));
    expect(byId.b2c3d4e5f6).toMatchObject({ path: 'direct', detail: 'direct 198.51.100.7/41234' });
    expect(byId.c3d4e5f6a7).toMatchObject({ path: 'relayed', via: 'ZeroTier root servers' });
  });

  test('waiting for the controller is "no address", with what to do', () => {
    const d = parseDiscovery(ctx('zerotier'), { unit: unitActive, self: out(info), networks: out(network('REQUESTING_CONFIGURATION', [])) });
    expect(d.state).toBe('noAddress');
    expect(d.message).toContain('waiting for the ZeroTier controller to admit it');
  });

  test('zerotier-cli without root, and with the service stopped', () => {
    // one.cpp: the authtoken message, and the message when port 9993 does not answer.
    const noRoot = out('', 2, 'zerotier-cli: authtoken.secret not found or readable in /var/lib/zerotier-one (try again as root)\n');
    expect(parseDiscovery(ctx('zerotier'), { self: noRoot, networks: noRoot }).state).toBe('unreadable');
    const stopped = out('Error connecting to the ZeroTier service: connection failed\n\nPlease check that the service is running and that TCP port 9993 can be contacted via 127.0.0.1.\n', 1);
    expect(parseDiscovery(ctx('zerotier'), { self: stopped, networks: stopped }).state).toBe('notRunning');
  });
});

describe('WireGuard (Clan: hub and spoke)', () => {
  // wg show IF public-key / allowed-ips / latest-handshakes: wireguard-tools src/show.c (ugly_print).
  const controllerKey = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
  const peerKey = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';

  test("a peer: its address on the interface, the controller as its only WireGuard peer, with the controller's /56", () => {
    const d = parseDiscovery(ctx('wireguard'), {
      unit: out('LoadState=loaded\nActiveState=active\nSubState=exited\n'),
      interface: ipAddr('mesh', { family: 'inet6', local: 'fd51:19c1:3b:f700:8750:a09b:0:1', prefixlen: 56 }, { family: 'inet6', local: 'fe80::d4c3:2bff:fe11:9a0e', prefixlen: 64, scope: 'link' }),
      self: out(`${peerKey}\n`),
      peers: out(`${controllerKey}\tfd51:19c1:3b:f700::/56\n`),
      handshakes: out(`${controllerKey}\t1755683990\n`),
    });
    expect(d).toMatchObject({ state: 'running', addresses: ['fd51:19c1:3b:f700:8750:a09b:0:1'], source: 'interface', identity: peerKey });
    expect(d.peers).toEqual([{ identity: controllerKey, name: null, addresses: [], networks: ['fd51:19c1:3b:f700::/56'], path: 'direct', via: null, connected: true, detail: 'a WireGuard peer with a completed handshake' }]);
  });

  test('a stopped interface unit is "not running", a missing one "not set up"', () => {
    expect(parseDiscovery(ctx('wireguard'), { unit: unitFailed, interface: noDevice('mesh') }).message).toBe(
      'The WireGuard daemon on "nas" is not running (wireguard-mesh.service is failed, failed). See why with "journalctl -u wireguard-mesh.service -n 50" on the machine, then start it with "systemctl restart wireguard-mesh.service" or deploy again.',
    );
    expect(parseDiscovery(ctx('wireguard'), { unit: unitMissing, interface: noDevice('mesh') }).message).toBe(
      'WireGuard is not set up on "nas": systemd has no unit wireguard-mesh.service. Deploy the configuration to it; if it was deployed, check that "nas" has a WireGuard role in the design.',
    );
  });
});

describe('Tailscale + Headscale', () => {
  // `tailscale ip` (cmd/tailscale/cli/ip.go) and `tailscale status --json` (ipn/ipnstate.Status, abridged).
  const status = (backend: string) =>
    JSON.stringify(
      {
        Version: '1.84.3-t8a1b2c3d4',
        TUN: true,
        BackendState: backend,
        HaveNodeKey: true,
        AuthURL: '',
        TailscaleIPs: ['100.64.0.2', 'fd7a:115c:a1e0::2'],
        Self: { ID: '2', PublicKey: 'nodekey:5b2e6f0c8d91a7e4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0', HostName: 'nas', DNSName: 'nas.mesh.internal.', OS: 'linux', TailscaleIPs: ['100.64.0.2', 'fd7a:115c:a1e0::2'], Online: true },
        Health: [],
        MagicDNSSuffix: 'mesh.internal',
        Peer: {
          'nodekey:1a2b…': { ID: '1', PublicKey: 'nodekey:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80', HostName: 'vps', TailscaleIPs: ['100.64.0.1', 'fd7a:115c:a1e0::1'], Addrs: ['203.0.113.10:41641'], CurAddr: '203.0.113.10:41641', Relay: 'fra', PeerRelay: '', Online: true, Active: true },
          'nodekey:9f8e…': { ID: '3', PublicKey: 'nodekey:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0', HostName: 'grandma-pi', TailscaleIPs: ['100.64.0.3', 'fd7a:115c:a1e0::3'], Addrs: [], CurAddr: '', Relay: 'fra', PeerRelay: '', Online: true, Active: true },
          'nodekey:0011…': { ID: '4', PublicKey: 'nodekey:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', HostName: 'laptop', TailscaleIPs: ['100.64.0.4'], Addrs: [], CurAddr: '', Relay: 'ams', PeerRelay: '', Online: false, Active: false },
        },
      },
      null,
      2,
    );

  test('direct, DERP-relayed and idle peers, read the way `tailscale status` reads them', () => {
    const d = parseDiscovery(ctx('headscale'), { unit: unitActive, self: out('100.64.0.2\nfd7a:115c:a1e0::2\n'), peers: out(status('Running')) });
    expect(d).toMatchObject({ state: 'running', addresses: ['100.64.0.2', 'fd7a:115c:a1e0::2'] });
    expect(d.peers!.map((p) => [p.name, p.path, p.via])).toEqual([
      ['vps', 'direct', null],
      ['grandma-pi', 'relayed', 'Tailscale\'s DERP relay "fra"'],
      ['laptop', 'unknown', null],
    ]);
    expect(probeAddress(d, undefined)).toBe('100.64.0.2');
  });

  test('not logged in: no address, and the sentence says how to fix it', () => {
    const d = parseDiscovery(ctx('headscale'), { unit: unitActive, self: out('', 1, 'no current Tailscale IPs; state: NeedsLogin\n'), peers: out(status('NeedsLogin')) });
    expect(d.state).toBe('noAddress');
    expect(d.message).toContain('not logged in to the Headscale server');
  });

  test("tailscaled not running: the CLI's own words", () => {
    const down = out('', 1, "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)\n");
    expect(parseDiscovery(ctx('headscale'), { self: down, peers: down }).state).toBe('notRunning');
  });
});

describe('EasyTier', () => {
  // easytier-cli -o json node: the NodeInfo message (easytier-proto api_instance.proto), serde's snake_case.
  const node = JSON.stringify({ peer_id: 3568543731, ipv4_addr: '10.126.126.2/24', proxy_cidrs: [], hostname: 'nas', inst_id: '0d9f6c8e-2b1a-4e55-9d0c-7a1b2c3d4e5f', listeners: ['tcp://0.0.0.0:11010', 'udp://0.0.0.0:11010'], version: '2.4.5-1a2b3c4d' }, null, 2);
  // easytier-cli -o json peer: PeerTableItem rows (easytier/src/easytier-cli.rs), this node first with cost "Local".
  const peers = JSON.stringify(
    [
      { cidr: '10.126.126.2/24', ipv4: '10.126.126.2', hostname: 'nas', cost: 'Local', lat_ms: '-', loss_rate: '-', rx_bytes: '-', tx_bytes: '-', tunnel_proto: '-', nat_type: 'PortRestricted', id: '3568543731', version: '2.4.5-1a2b3c4d' },
      { cidr: '10.126.126.1/24', ipv4: '10.126.126.1', hostname: 'vps', cost: 'p2p', lat_ms: '18.42', loss_rate: '0.0%', rx_bytes: '1.21 MB', tx_bytes: '804.10 kB', tunnel_proto: 'udp', nat_type: 'NoPat', id: '1193046', version: '2.4.5-1a2b3c4d' },
      { cidr: '10.126.126.3/24', ipv4: '10.126.126.3', hostname: 'grandma-pi', cost: 'relay(2)', lat_ms: '71.00', loss_rate: '0.0%', rx_bytes: '52.30 kB', tx_bytes: '48.90 kB', tunnel_proto: '', nat_type: 'Symmetric', id: '305419896', version: '2.4.5-1a2b3c4d' },
    ],
    null,
    2,
  );

  test('its address from node, p2p and relayed peers from peer', () => {
    const d = parseDiscovery(ctx('easytier'), { unit: unitActive, self: out(node), peers: out(peers) });
    expect(d).toMatchObject({ state: 'running', addresses: ['10.126.126.2'], identity: 'nas' });
    expect(d.peers!.map((p) => [p.name, p.path, p.detail])).toEqual([
      ['vps', 'direct', 'p2p'],
      ['grandma-pi', 'relayed', 'relay(2)'],
    ]);
  });

  test('an easytier-cli older than 2.3 says so instead of failing', () => {
    const old = out('', 2, "error: unexpected argument '-o' found\n\nUsage: easytier-cli [OPTIONS] <COMMAND>\n");
    const d = parseDiscovery(ctx('easytier'), { self: old });
    expect(d.state).toBe('unreadable');
    expect(d.message).toContain('EasyTier 2.3 or newer');
  });
});

describe('Hyprspace, Mycelium, Nebula, Tinc and VpnCloud', () => {
  test('Hyprspace: PeerID and connections from `hyprspace status`; /p2p-circuit is a relay', () => {
    // cli/status.go with rpc/server.go's "@name (latency) multiaddr/p2p/ID" lines (no colour: not a terminal).
    const status = [
      'PeerID: 12D3KooWJ7bUZ4rJtQp5ZzG6v9kEM5cVnUWZKXWmN8a3e8W6mE1A',
      'Swarm peers: 9',
      'Connected VPN nodes: 2/3',
      '    @vps (14.201ms) /ip4/203.0.113.10/udp/8001/quic-v1/p2p/12D3KooWVpsB2u7cT1wZ9Qh4XkJ3mN6pR8sD5fG2hL1aZ7c',
      '    @grandma-pi (88.5ms) /ip4/147.75.83.83/udp/4001/quic-v1/p2p/12D3KooWRelayXz1q2w3e4r5t6y7u8i9o0pAsDfGhJkL/p2p-circuit/p2p/12D3KooWGrandmaQ1w2e3r4t5y6u7i8o9p0AsDfGhJkLz',
      'Addresses:',
      '    /ip4/192.168.1.20/tcp/8001',
      '    /ip4/192.168.1.20/udp/8001/quic-v1',
      '',
    ].join('\n');
    const d = parseDiscovery(ctx('hyprspace'), { unit: unitActive, interface: ipAddr('hyprspace', { family: 'inet', local: '100.64.23.151', prefixlen: 16 }, { family: 'inet6', local: 'fd00:6879:7072:7370:6163:6500:9f1e:2a3b', prefixlen: 80 }), peers: out(status) });
    expect(d).toMatchObject({ state: 'running', identity: '12D3KooWJ7bUZ4rJtQp5ZzG6v9kEM5cVnUWZKXWmN8a3e8W6mE1A', addresses: ['100.64.23.151', 'fd00:6879:7072:7370:6163:6500:9f1e:2a3b'] });
    expect(d.peers!.map((p) => [p.name, p.path])).toEqual([
      ['vps', 'direct'],
      ['grandma-pi', 'relayed'],
    ]);
  });

  test('Mycelium: the address from its tun device; the path stays unknown', () => {
    // mycelium peers list --json: PeerStats, camelCase (mycelium/src/peer_manager.rs).
    const peers = JSON.stringify([
      { endpoint: { proto: 'tcp', socketAddr: '188.40.132.242:9651' }, type: 'static', connectionState: 'alive', txBytes: 48211, rxBytes: 51230, discovered: 3611, lastConnected: 3600 },
      { endpoint: { proto: 'quic', socketAddr: '[2a01:4f9:6a:1dc5::2]:9651' }, type: 'static', connectionState: 'connecting', txBytes: 0, rxBytes: 0, discovered: 3611, lastConnected: null },
    ]);
    const d = parseDiscovery(ctx('mycelium'), { unit: unitActive, interface: ipAddr('mycelium', { family: 'inet6', local: '4e2:93a1:c5d:2b10:8a4b:1f0e:c2d3:9b7a', prefixlen: 7 }), peers: out(peers) });
    expect(d).toMatchObject({ state: 'running', addresses: ['4e2:93a1:c5d:2b10:8a4b:1f0e:c2d3:9b7a'], peers: null });
    expect(d.notes.join(' ')).toContain('1 of 2 underlay peers connected');
  });

  test("Nebula: the address from the interface and the certificate (1.10's array and 1.9's object); relays are not visible", () => {
    // nebula-cert print -json: Nebula 1.10+ prints an array of certificates with details.networks (cert/cert_v1.go).
    const v110 = JSON.stringify([{ details: { curve: 'CURVE25519', groups: ['home'], isCa: false, issuer: '4b5cd0e2…', name: 'nas', networks: ['10.142.3.7/16'], notAfter: '2035-08-18T10:00:00Z', notBefore: '2025-08-20T10:00:00Z', publicKey: 'e1f2…', unsafeNetworks: [] }, fingerprint: '9c1d…', signature: '77ab…', version: 1 }]);
    // … and up to 1.9, one object with details.ips (cert/cert.go MarshalJSON).
    const v19 = JSON.stringify({ details: { curve: 'CURVE25519', groups: [], ips: ['10.142.3.7/16'], isCa: false, issuer: '4b5c…', name: 'nas', notAfter: '2035-08-18T10:00:00Z', notBefore: '2025-08-20T10:00:00Z', publicKey: 'e1f2…', subnets: [] }, fingerprint: '9c1d…', signature: '77ab…' });
    for (const cert of [v110, v19]) {
      const d = parseDiscovery(ctx('nebula'), { unit: unitActive, interface: noDevice('nebula.mesh'), certificate: out(cert) });
      expect(d).toMatchObject({ state: 'running', addresses: ['10.142.3.7'], source: 'vpn', peers: null });
      expect(d.notes[0]).toContain('does not show from the command line whether it uses a relay');
    }
    const noTool = parseDiscovery(ctx('nebula'), { unit: unitActive, interface: ipAddr('nebula.mesh', { family: 'inet', local: '10.142.3.7', prefixlen: 16 }), certificate: out('', 127, 'bash: line 1: nebula-cert: command not found\n') });
    expect(noTool).toMatchObject({ state: 'running', addresses: ['10.142.3.7'], source: 'interface' });
  });

  test('Tinc 1.1: dump nodes tells direct UDP, relayed and unreachable nodes; tinc 1.0 has no control program', () => {
    // tincctl.c (1.1pre18 and later), `dump nodes`: one line per node; MYSELF is this node.
    const dump = [
      'vps id 6a2f1e0c9b8d at 203.0.113.10 port 655 cipher 0 digest 0 maclength 0 compression 0 options 700000c status 08d2 nexthop vps via vps distance 1 pmtu 1451 (min 1451 max 1451) rx 1234 567890 tx 2345 678901 rtt 23.456',
      'nas id 1c0b9a8f7e6d at MYSELF port 655 cipher 0 digest 0 maclength 0 compression 0 options 700000c status 0818 nexthop - via nas distance 0 pmtu 1518 (min 0 max 1518) rx 0 0 tx 0 0',
      'grandma_pi id 5e4d3c2b1a09 at 192.0.2.44 port 655 cipher 0 digest 0 maclength 0 compression 0 options 700000c status 0872 nexthop vps via vps distance 2 pmtu 1451 (min 0 max 1451) rx 310 41234 tx 298 40012',
      'laptop id 0f1e2d3c4b5a at unknown port unknown cipher 0 digest 0 maclength 0 compression 0 options 700000c status 0000 nexthop - via - distance 0 pmtu 1518 (min 0 max 1518) rx 0 0 tx 0 0',
      '',
    ].join('\n');
    const d = parseDiscovery(ctx('tinc'), { unit: unitActive, interface: ipAddr('tinc.mesh', { family: 'inet', local: '10.142.3.7', prefixlen: 16 }), peers: out(dump) });
    expect(d.identity).toBe('nas');
    expect(d.peers!.map((p) => [p.name, p.path, p.via, p.detail])).toEqual([
      ['vps', 'direct', null, 'directly with UDP'],
      ['grandma_pi', 'relayed', 'vps', 'indirectly via vps'],
      ['laptop', 'unknown', null, 'unreachable'],
    ]);
    const old = parseDiscovery(ctx('tinc', 'home-pc'), { unit: unitActive, interface: ipAddr('tinc.mesh', { family: 'inet', local: '10.142.9.1', prefixlen: 16 }), peers: out('', 127, 'sh: 1: tinc.mesh: not found\n') });
    expect(old).toMatchObject({ state: 'running', identity: 'home_pc', peers: null });
    expect(old.notes[0]).toContain('tinc 1.0 has only tincd');
  });

  test('VpnCloud: the address inside the overlay network, whatever vpncloud%d device holds it', () => {
    const d = parseDiscovery(ctx('vpncloud'), { unit: unitActive, interface: ipAddr('vpncloud0', { family: 'inet', local: '10.142.3.7', prefixlen: 16 }) });
    expect(d).toMatchObject({ state: 'running', addresses: ['10.142.3.7'], peers: null });
    expect(parseDiscovery(ctx('vpncloud'), { unit: unitActive, interface: out('[]\n') }).message).toContain('no interface has an address in its overlay network');
  });
});

describe('hostile and broken answers never throw', () => {
  const garbage: QueryOutput[] = [
    out(''),
    out('\u0000\u0001\u0002binary\u00ff'),
    out('{"address": 42, "peers": "nope"}'),
    out('[[[[[[[[[[[['),
    out('null'),
    out('{"__proto__": {"polluted": true}, "Peer": {"x": null}, "Self": []}'),
    out('ok', null),
    out('Welcome to the machine!\nLast login: yesterday\n'),
    out('', 1, 'sudo: a password is required\n'),
  ];

  test('every VPN reads every garbage answer into a state with a sentence', () => {
    for (const vpn of vpnIds) {
      for (const g of garbage) {
        const outputs: DiscoveryOutputs = { unit: g, interface: g, self: g, networks: g, peers: g, handshakes: g, certificate: g };
        const d = parseDiscovery(ctx(vpn), outputs);
        expect(['running', 'notRunning', 'notConfigured', 'noAddress', 'unreadable'], `${vpn} ${JSON.stringify(g)}`).toContain(d.state);
        expect(d.message.length).toBeGreaterThan(20);
        expect(d.message).toContain('"nas"');
        expect(d.addresses.every((a) => /^[0-9a-f.:]+$/.test(a))).toBe(true);
      }
      // Nothing asked at all.
      expect(parseDiscovery(ctx(vpn), {}).state).toBe('unreadable');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('sudo refusing is unreadable, and the sentence says how to get root', () => {
    const refused = out('', 1, 'sudo: a password is required\n');
    const d = parseDiscovery(ctx('yggdrasil'), { self: refused, peers: refused });
    expect(d.state).toBe('unreadable');
    expect(d.message).toContain('allow passwordless sudo');
  });
});

describe('the address the configuration gives a machine', () => {
  function nebulaDesign() {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    const cloud = b.site('Cloud', 'public');
    const nas = b.machine('nas', home, 'nas');
    const vps = b.machine('vps', cloud, 'vps', { publicAddress: '203.0.113.10' });
    b.machine('phone', home, 'phone');
    return { design: b.vpn('nebula'), nas, vps };
  }

  test('Nebula, Tinc and VpnCloud: the address the app allocated in inventory.json', () => {
    const { design } = nebulaDesign();
    const configured = configuredOverlayAddresses(design);
    const expected = allocateOverlayAddresses('mesh', ['nas', 'vps']);
    expect(configured.get('nas')).toEqual({ address: expected.get('nas'), from: 'inventory.json' });
    expect(configured.get('vps')!.address).toBe(expected.get('vps'));
    // The phone is not in the flake, so it has no configured address.
    expect(configured.has('phone')).toBe(false);
  });

  test('clan-core VPNs: the public vars, read through the given reader; none without them', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    const cloud = b.site('Cloud', 'public');
    b.machine('nas', home, 'nas');
    b.machine('vps', cloud, 'vps', { publicAddress: '203.0.113.10' });
    const files: Record<string, string> = {
      'vars/per-machine/nas/yggdrasil/address/value': '200:c149:c7e5:7755:bd2b:99c4:3f5e:8a1f\n',
      'vars/per-machine/vps/yggdrasil/address/value': 'not an address',
    };
    const ygg = configuredOverlayAddresses(b.vpn('yggdrasil'), (p) => files[p] ?? null);
    expect(ygg.get('nas')).toEqual({ address: '200:c149:c7e5:7755:bd2b:99c4:3f5e:8a1f', from: 'vars/per-machine/nas/yggdrasil/address/value' });
    expect(ygg.has('vps')).toBe(false);
    expect(overlayAddressVarPaths('zerotier', 'mesh', 'nas')).toEqual(['vars/shared/zerotier-ip-nas-mesh/ip/value']);
    // WireGuard (clanServices/wireguard): the controller is <prefix>::1, a peer <controller prefix>:<suffix>.
    const wgFiles: Record<string, string> = {
      'vars/per-machine/vps/wireguard-network-mesh/prefix/value': 'fd51:19c1:3b:f700',
      'vars/per-machine/nas/wireguard-network-mesh/suffix/value': '8750:a09b:0000:0001',
    };
    const wg = configuredOverlayAddresses(b.vpn('wireguard'), (p) => wgFiles[p] ?? null);
    expect(wg.get('vps')!.address).toBe('fd51:19c1:3b:f700::1');
    expect(wg.get('nas')!.address).toBe('fd51:19c1:3b:f700:8750:a09b:0:1');
    expect(configuredOverlayAddresses(b.vpn('headscale')).size).toBe(0);
  });

  test('used when the VPN cannot tell, and a mismatch says the design changed since the deploy', () => {
    const configured = { address: '10.142.3.7', from: 'inventory.json' };
    const unreadable = parseDiscovery(ctx('nebula'), { unit: unitActive, interface: out('garbage') });
    const filled = withConfiguredAddress(unreadable, configured);
    expect(filled).toMatchObject({ addresses: ['10.142.3.7'], source: 'configuration', state: 'unreadable' });
    expect(probeAddress(filled, configured)).toBe('10.142.3.7');
    expect(probeAddress(undefined, configured)).toBe('10.142.3.7');
    const running = parseDiscovery(ctx('nebula'), { unit: unitActive, interface: ipAddr('nebula.mesh', { family: 'inet', local: '10.142.9.9', prefixlen: 16 }) });
    expect(withConfiguredAddress(running, configured).notes.at(-1)).toContain('the design changed since the last deploy');
    expect(probeAddress(running, configured)).toBe('10.142.9.9');
    const notSetUp = parseDiscovery(ctx('nebula'), { unit: unitMissing, interface: noDevice('nebula.mesh') });
    expect(probeAddress(notSetUp, configured)).toBeNull();
  });
});
