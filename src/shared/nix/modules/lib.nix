# Shared by the Clan service modules Clan Network Designer writes into modules/clan-services/ (generated; this
# file contains no data of yours). Each module imports it with `import ../lib.nix { inherit lib; }`.
{ lib }:
let
  inherit (lib) mkOption types;

  # An IPv4 address, as a regular expression for types.strMatching.
  ipv4 = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}";

  # A host name, IPv4 or IPv6 address, without port or brackets.
  hostPattern = "[A-Za-z0-9:]([A-Za-z0-9.:-]*[A-Za-z0-9])?";
in
{
  inherit ipv4 hostPattern;

  # An address for "host:port": IPv6 literals (they contain ':') in brackets, anything else unchanged.
  bracket = host: if lib.hasInfix ":" host then "[${host}]" else host;

  # The overlay network and this machine's address in it, for VPNs whose addresses the app allocates.
  overlayOptions = networkDescription: {
    network = mkOption {
      type = types.strMatching "${ipv4}/(1[6-9]|2[0-9]|30)";
      example = "10.142.0.0/16";
      description = networkDescription;
    };
    address = mkOption {
      type = types.strMatching ipv4;
      example = "10.142.3.7";
      description = "This machine's overlay address, inside `network`.";
    };
  };

  # The instances of a service whose members have an overlay address the app allocated (Nebula, Tinc, VpnCloud) as
  # networks of Clan's CLI: `clan machines update` and `clan ssh` try the networks a machine is in by priority, for
  # machines without deploy.targetHost, and take the first address that answers on the SSH port (clan-core
  # pkgs/clan-cli/clan_lib/network/network.py). 1000 is the default priority of a network
  # (modules/clan/export-modules/networking.nix), the same as clan-core's WireGuard and below its internet service
  # (2000), so a machine's public address is tried before the overlay. The service declares
  # manifest.exports.out = [ "networking" "peer" ], and each member exports overlayPeer through mkExports.
  networkExports =
    { clanLib, config }:
    lib.mapAttrs' (instanceName: _: {
      name = clanLib.buildScopeKey {
        inherit instanceName;
        serviceName = config.manifest.name;
      };
      value.networking.priority = 1000;
    }) config.instances;

  # A member's entry in that network: its overlay address. SSH user and port are left to Clan's defaults, root and
  # 22 (modules/clan/export-modules/peer.nix), as clan-core's own VPN services do; the sshd service lets the admin's
  # key in as root.
  overlayPeer = settings: {
    peer.hosts = [ { plain = settings.address; } ];
  };

  # Where the other machines reach a public node from the internet.
  publicAddressOption =
    { description, example ? "203.0.113.10" }:
    mkOption {
      type = types.strMatching hostPattern;
      inherit example description;
    };
}
