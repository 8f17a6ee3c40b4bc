/**
 * The generated files that differ from the ones the last successful deploy put on the machines: `generated` is the
 * generator's manifest (path -> sha256 of every file it writes, the manifest itself left out), `deployed` the
 * checksums the deploy kept of the whole flake folder. Only the generator's files are compared: vars/, sops/ and
 * flake.lock are made by Clan and change on their own. A generated file that is gone shows up too, because removing one
 * (a machine, the VPN's own module) always changes inventory.json or clan.nix, which are always generated.
 */
export function generatedFilesChangedSince(generated: Readonly<Record<string, string>>, deployed: Readonly<Record<string, string>>): string[] {
  return Object.entries(generated)
    .filter(([path, sha]) => deployed[path] !== sha)
    .map(([path]) => path)
    .sort();
}
