import type { VpnId } from '../vpn/ids';
import easytierService from './modules/easytier/default.nix?raw';
import headscaleService from './modules/headscale/default.nix?raw';
import hyprspaceService from './modules/hyprspace/default.nix?raw';
import ownModuleLib from './modules/lib.nix?raw';
import nebulaService from './modules/nebula/default.nix?raw';
import tincService from './modules/tinc/default.nix?raw';
import vpncloudService from './modules/vpncloud/default.nix?raw';
import vpncloudNixosModule from './modules/vpncloud/nixos-module.nix?raw';

// The six clan service modules we write ourselves (CLAN.md section 3), as static Nix sources kept next to this
// file so they are reviewed, linted and parsed as real .nix files. They hold no user data at all: every setting
// reaches them through inventory.json, so the generator copies them verbatim.

/** The VPNs that run through one of our own modules, and the folder it is generated into. */
export type OwnModuleVpn = Exclude<VpnId, 'mycelium' | 'wireguard' | 'yggdrasil' | 'zerotier'>;

/** Where our clan service modules go in the generated flake (registered in clan.nix as modules.<vpn>). */
export const ownModuleDir = 'modules/clan-services';

/** The files of each of our modules, relative to its folder. */
export const ownModuleFiles: Readonly<Record<OwnModuleVpn, Readonly<Record<string, string>>>> = {
  easytier: { 'default.nix': easytierService },
  headscale: { 'default.nix': headscaleService },
  hyprspace: { 'default.nix': hyprspaceService },
  nebula: { 'default.nix': nebulaService },
  tinc: { 'default.nix': tincService },
  vpncloud: { 'default.nix': vpncloudService, 'nixos-module.nix': vpncloudNixosModule },
};

/**
 * Helpers our modules share (the IPv4 and host patterns, address bracketing, the overlay and public-address
 * options), generated beside them as modules/clan-services/lib.nix; each module imports it as ../lib.nix.
 */
export const ownModuleLibFile: Readonly<{ name: string; text: string }> = { name: 'lib.nix', text: ownModuleLib };
