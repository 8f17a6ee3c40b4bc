// The exact commands deploy runs on a machine (docs/deploy.md), as argument lists. The plan shows these very lists
// and main runs them, so what a person reviews is what happens. Values from the design (machine and clan names,
// paths) only ever travel as separate arguments; the few shell scripts are fixed texts that receive their values as
// "$1", "$2" (`sh -c SCRIPT sh VALUE ...`), never spliced into the script.

/** Where the flake goes on a machine, relative to the login user's home folder. */
export const REMOTE_FLAKES_DIR = '.local/share/clan-network-designer/flakes';

/** The system profile NixOS boots and switches from. */
export const SYSTEM_PROFILE = '/nix/var/nix/profiles/system';

/** Placeholder of values the plan cannot know yet (the path the build produces, the previous system). */
export const PLACEHOLDER = { system: '<new system>', previous: '<previous system>', home: '~', run: '<run>' } as const;

/** The flake folder on a machine, below its home folder. */
export function remoteFlakeDir(home: string, clanName: string): string {
  return `${home.replace(/\/+$/, '')}/${REMOTE_FLAKES_DIR}/${clanName}`;
}

/** `sudo -n` before privileged commands when the login user is not root. */
export function privileged(uid: number | null, argv: readonly string[]): string[] {
  return uid === 0 ? [...argv] : ['sudo', '-n', ...argv];
}

/** The flakes Nix needs on machines that never turned them on. */
const NIX_FEATURES = ['--extra-experimental-features', 'nix-command flakes'];

/**
 * Reads what deploy needs to know about a machine, changing nothing: home folder, user id, the running system and
 * the system profile. One key=value line each.
 */
export const SURVEY_SCRIPT = [
  'printf "home=%s\\n" "$HOME"',
  'printf "uid=%s\\n" "$(id -u)"',
  'printf "current=%s\\n" "$(readlink /run/current-system 2>/dev/null)"',
  'printf "profile=%s\\n" "$(readlink -f /nix/var/nix/profiles/system 2>/dev/null)"',
  'echo end=1',
].join('\n');

/** The survey, as argv. */
export function surveyArgv(): string[] {
  return ['sh', '-c', SURVEY_SCRIPT];
}

/** Facts the survey reports. */
export interface SurveyFacts {
  home: string;
  uid: number | null;
  /** The running system (/run/current-system), or null when there is none (not NixOS yet). */
  currentSystem: string | null;
  /** What the system profile points to, or null. */
  profileSystem: string | null;
}

/** Reads the survey's output; null when it did not run to its end. */
export function parseSurvey(stdout: string): SurveyFacts | null {
  const facts = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) facts.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (facts.get('end') !== '1' || (facts.get('home') ?? '') === '') return null;
  const uid = /^\d+$/.test(facts.get('uid') ?? '') ? Number(facts.get('uid')) : null;
  // Only a well-formed store path counts: it becomes an argument of the rollback, and anything else means "unknown".
  const systemPath = (value: string | undefined) => (value !== undefined && isStorePath(value) ? value : null);
  return { home: facts.get('home')!, uid, currentSystem: systemPath(facts.get('current')), profileSystem: systemPath(facts.get('profile')) };
}

/** Whether a path is a system path a build can have printed. */
export function isStorePath(path: string): boolean {
  return /^\/nix\/store\/[0-9a-z]{32}-[A-Za-z0-9+._?=-]+$/.test(path);
}

/**
 * A folder as a `path:` flake reference. Nix parses the reference as a URL, so every path segment is percent-encoded:
 * a home folder or clan name with a space, '#' or '?' still names the folder, not a fragment or a query.
 */
export function pathFlakeRef(dir: string): string {
  return `path:${dir.split('/').map(encodeURIComponent).join('/')}`;
}

/** Builds the machine's system from the uploaded flake; prints the store path. */
export function buildArgv(uid: number | null, flakeDir: string, machine: string): string[] {
  return privileged(uid, ['nix', 'build', '--no-link', '--print-out-paths', ...NIX_FEATURES, `${pathFlakeRef(flakeDir)}#nixosConfigurations."${machine}".config.system.build.toplevel`]);
}

/** Puts the machine's secret key (on standard input) where sops-nix reads it, readable by root only. */
export const SECRET_KEY_SCRIPT = 'umask 077 && mkdir -p /var/lib/sops-nix && cat > /var/lib/sops-nix/key.txt';

/** Writes the machine's secret key; the key itself goes to standard input, never into the arguments. */
export function secretKeyArgv(uid: number | null): string[] {
  return privileged(uid, ['sh', '-c', SECRET_KEY_SCRIPT]);
}

/**
 * The rollback the watchdog runs ($1 the previous system, $2 the switch's unit): it first lets a switch that is still
 * running end (a switch cut in the middle is worse than a late rollback; systemctl of the previous system, which is
 * known to work), then puts the previous system back into the profile and switches to it.
 */
export const ROLLBACK_SCRIPT =
  'while "$1/sw/bin/systemctl" is-active --quiet "$2"; do sleep 1; done; "$1/sw/bin/nix-env" -p /nix/var/nix/profiles/system --set "$1" && exec "$1/bin/switch-to-configuration" switch';

/** The systemd unit names of one run on one machine. */
export function unitNames(runId: string): { watchdog: string; switch: string; boot: string } {
  return { watchdog: `cnd-rollback-${runId}`, switch: `cnd-switch-${runId}`, boot: `cnd-boot-${runId}` };
}

/** Arms the watchdog: unless disarmed, the machine switches back to `previous` after `seconds`. */
export function watchdogArgv(uid: number | null, runId: string, seconds: number, previous: string): string[] {
  return privileged(uid, [
    'systemd-run',
    `--unit=${unitNames(runId).watchdog}`,
    `--on-active=${Math.round(seconds)}s`,
    '--timer-property=AccuracySec=1s',
    '--description=Clan Network Designer: roll back unless the deploy is confirmed',
    '--',
    '/bin/sh',
    '-c',
    ROLLBACK_SCRIPT,
    'sh',
    previous,
    `${unitNames(runId).switch}.service`,
  ]);
}

/** Points the system profile at the new system (a new generation). */
export function setProfileArgv(uid: number | null, system: string): string[] {
  return privileged(uid, ['nix-env', '-p', SYSTEM_PROFILE, '--set', system]);
}

/**
 * Switches to the new system under systemd-run, so the switch goes on when the SSH session drops (as it may when the
 * VPN or the network changes); `boot` first makes it the boot default, then `switch` activates it.
 */
export function switchArgv(uid: number | null, runId: string, system: string, action: 'boot' | 'switch'): string[] {
  return privileged(uid, [
    'systemd-run',
    '--pipe',
    '--wait',
    '--quiet',
    '--collect',
    '--no-ask-password',
    '--service-type=exec',
    `--unit=${action === 'boot' ? unitNames(runId).boot : unitNames(runId).switch}`,
    '-E',
    'LOCALE_ARCHIVE',
    '-E',
    'NIXOS_INSTALL_BOOTLOADER=0',
    '--',
    `${system}/bin/switch-to-configuration`,
    action,
  ]);
}

/** Which system the machine runs now. */
export function currentSystemArgv(): string[] {
  return ['readlink', '/run/current-system'];
}

/** Disarms the watchdog after the confirmation. */
export function disarmArgv(uid: number | null, runId: string): string[] {
  return privileged(uid, ['systemctl', 'stop', `${unitNames(runId).watchdog}.timer`]);
}

/** The clan-core flake the helper runs the clan CLI from (the same the generated flake pins). */
export const CLAN_CORE_FLAKE = 'git+https://git.clan.lol/clan/clan-core';

/** Makes the vars of every machine on the vars helper, with the app's age key. */
export function varsGenerateArgv(keyFile: string, flakeDir: string): string[] {
  return ['env', `SOPS_AGE_KEY_FILE=${keyFile}`, 'nix', 'run', ...NIX_FEATURES, `${CLAN_CORE_FLAKE}#clan-cli`, '--', 'vars', 'generate', '--flake', flakeDir, '--no-sandbox'];
}

/** Decrypts a machine's secret key on the vars helper; prints it. */
export function decryptMachineKeyArgv(keyFile: string, flakeDir: string, machine: string): string[] {
  return ['env', `SOPS_AGE_KEY_FILE=${keyFile}`, 'nix', 'run', ...NIX_FEATURES, 'nixpkgs#sops', '--', '--decrypt', `${flakeDir}/sops/secrets/${machine}-age.key/secret`];
}

/** Removes a file (the age key on the helper, when done). */
export function removeFileArgv(path: string): string[] {
  return ['rm', '-f', '--', path];
}

/** With the clan CLI on this computer: make every machine's vars. */
export function clanVarsGenerateArgv(flakeDir: string): string[] {
  return ['clan', 'vars', 'generate', '--flake', flakeDir];
}

/** With the clan CLI on this computer: update one machine. */
export function clanMachinesUpdateArgv(flakeDir: string, machine: string): string[] {
  return ['clan', 'machines', 'update', machine, '--flake', flakeDir];
}
