import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, type AppError } from '../../shared/errors';
import { diskLabel, diskSizeText, erasureSentence, findDisk, isValidDiskPath, type InstallReport, type MachineDisk } from '../../shared/deploy/install';
import type { InstallProgress } from '../../shared/ipc/contract';
import type { JobPrompt } from '../../shared/ipc/jobs';
import { recordValues } from '../../shared/model/overlay';
import { listText } from '../../shared/text';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeployServiceOptions, DeploySsh } from '../services/deployService';
import { installsFolderOf, type InstallServiceOptions } from '../services/installService';
import { designStem } from '../services/projectFiles';
import { cliDataDir, cliMachineSsh, createCliDeployBackend, locateDesign } from './deployBackend';
import { ExitCode, fail, parseCommand, readDesignFile, type CliFailure, type CliIo } from './io';
import { loadSshSettings, sshCommandOptions, sshHelp, sshOptionsHelp, type SshEnvironment, type SshOptionValues } from './sshOptions';
import { confirmationNeeded, confirmOnTerminal, processInterrupts, stamp, type AskLine, type InterruptSource } from './terminal';

const usage = `Usage: clan-designer install <design-file> --machine NAME [--disk PATH [--confirm-erase NAME:PATH]]
                       [--strict | --accept-new] [--known-hosts FILE] [--ssh-config FILE] [--identity FILE]...
                       [--data-dir DIR] [--json]

Installs NixOS on a machine of the design that does not run it yet, with Clan's own tools: it ERASES the disk you
name. Never part of a deploy. Without --disk it lists the machine's disks over SSH (size, model, by-id path),
changing nothing. With --disk it writes the configuration beside the design (NAME.clan/), checks over SSH that the
disk is still there, then runs on this computer:
  clan machines init-hardware-config NAME --target-host USER@HOST[:PORT] --backend nixos-facter --yes --flake DIR
  clan templates apply disk ext4-single-disk NAME --set mainDisk PATH --force --flake DIR
  clan machines install NAME --target-host root@HOST[:PORT] --yes --flake DIR
Each line of their output is printed as it comes. The install is kept in NAME.installs/<run>/ (install.json and
install.log). It needs the clan CLI and Nix on this computer; without them install from a computer that has them, or
install NixOS on the machine by hand, then check and deploy.

Confirming: on a terminal you are asked to type the machine's name. Off a terminal (scripts, CI) --confirm-erase
NAME:PATH must repeat the machine's name and the disk exactly; there is no --yes. Ctrl+C cancels (a disk being
erased may be left half-erased); a second Ctrl+C quits at once.

${sshHelp}

Options:
  --machine NAME        the machine to install (its name in the design)
  --disk PATH           the disk to erase: /dev/disk/by-id/<id> (preferred) or /dev/<name>
  --confirm-erase NAME:PATH   the confirmation off a terminal: the machine's name, ':', the disk, exactly
  --strict              refuse host keys that are not in known_hosts (the default)
  --accept-new          trust and record host keys seen for the first time, printing each
${sshOptionsHelp}
  --data-dir DIR        the app's data folder, where its own age key is kept (default as for "deploy")
  --json                print one JSON object at the end (the disk list, or the install's report)

Exit codes: 0 the disks were listed, or NixOS was installed; 1 the install failed or you did not confirm; 2 the
design, the machine, the disk or the options cannot be used; 3 the install itself could not run (no clan CLI here,
SSH, the app); 130 cancelled (Ctrl+C).
`;

/** Test seams: the SSH side, the clan CLI, the clock, the terminal, the typed answer, Ctrl+C and quitting at once. */
export interface InstallCommandDeps extends SshEnvironment, Pick<DeployServiceOptions, 'hasLocalClan' | 'runLocal' | 'now'> {
  createSsh?: (hooks: MachineSshHooks) => DeploySsh;
  installTimeouts?: InstallServiceOptions['timeouts'];
  /** Whether standard input is a terminal (default: process.stdin.isTTY). */
  terminal?: { stdin: boolean };
  /** Asks the confirmation on the terminal (default: askLineOnTerminal, the question on standard error). */
  askLine?: AskLine;
  interrupts?: InterruptSource;
  exitNow?: (code: number) => void;
}

/** Codes that mean the request itself cannot be used (exit 2), as opposed to an install that could not run (3). */
const unusableCodes: ReadonlySet<string> = new Set(['invalidDesign', 'invalidFileName', 'generateFailed', 'generatedFilesChanged', 'installMachineUnusable', 'installDiskInvalid', 'installNotConfirmed']);

/** The disk list as text: one line per disk. */
export function disksText(machine: string, target: string, disks: readonly MachineDisk[]): string {
  if (disks.length === 0) return `${machine} (${target}) has no disk the install could use.\n`;
  const rows = disks.map((d) => [d.path ?? `${d.devPath} (cannot be used: its names have characters the app refuses)`, diskSizeText(d.sizeBytes), d.model ?? '(no model)', [d.transport, d.removable ? 'removable' : null, d.serial === null ? null : `serial ${d.serial}`, d.name].filter((x) => x !== null).join(', ')]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => `  ${r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`.trimEnd());
  return `Disks of ${machine} (${target}):\n${lines.join('\n')}\n`;
}

/** `install <design-file> --machine NAME [--disk PATH]`: lists the disks, or installs NixOS on one. */
export async function runInstallCommand(argv: string[], io: CliIo, deps: InstallCommandDeps = {}): Promise<number> {
  const parsed = parseCommand(
    argv,
    { machine: { type: 'string' }, disk: { type: 'string' }, 'confirm-erase': { type: 'string' }, strict: { type: 'boolean' }, 'accept-new': { type: 'boolean' }, 'data-dir': { type: 'string' }, ...sshCommandOptions },
    { io, usage, files: 'one', name: 'install' },
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as SshOptionValues & { machine?: string; disk?: string; 'confirm-erase'?: string; strict?: boolean; 'accept-new'?: boolean; 'data-dir'?: string };
  const asJson = parsed.json;
  const file = parsed.positionals[0]!;
  const unusable = (failure: CliFailure, withUsage = false) => fail(io, asJson, ExitCode.usage, failure, { file, ...(withUsage ? { usage } : {}) });
  const failed = (error: AppError) => fail(io, asJson, unusableCodes.has(error.code) ? ExitCode.usage : ExitCode.failed, { code: error.code, message: describeError(error), ...(error.details === undefined ? {} : { details: error.details }) }, { file });
  if (values.strict === true && values['accept-new'] === true) return unusable({ code: 'usage', message: '--strict and --accept-new contradict each other; give one of them.' }, true);
  if (values.machine === undefined) return unusable({ code: 'usage', message: 'install needs --machine NAME: the machine of the design to install NixOS on.' }, true);
  if (values['confirm-erase'] !== undefined && values.disk === undefined) return unusable({ code: 'usage', message: '--confirm-erase confirms erasing the disk given with --disk; give --disk too.' }, true);
  const acceptNew = values['accept-new'] === true;
  const now = deps.now ?? Date.now;

  const location = locateDesign(file);
  if (!location.ok) return unusable(location.failure);
  const loaded = await readDesignFile(file);
  if (!loaded.ok) return unusable(loaded.failure);
  const design = loaded.value.design;
  const machine = recordValues(design.machines).find((m) => m.name === values.machine);
  if (machine === undefined) {
    const managed = recordValues(design.machines).filter((m) => m.managed).map((m) => m.name).sort();
    return unusable({ code: 'installMachineUnusable', message: `The design has no machine named "${values.machine}". ${managed.length === 0 ? 'It has no machines the app manages.' : `Its managed machines: ${listText(managed)}.`}` });
  }
  const disk = values.disk;
  if (disk !== undefined && !isValidDiskPath(disk)) return failed({ code: 'installDiskInvalid', details: { disk } });
  const terminal = deps.terminal ?? { stdin: process.stdin.isTTY === true };
  if (disk !== undefined && values['confirm-erase'] === undefined && !terminal.stdin) {
    return unusable(confirmationNeeded(`install erases ${disk} on ${machine.name}, so it asks you to type the machine's name`, `To confirm in a script, add --confirm-erase ${machine.name}:${disk}.`));
  }
  const ssh = await loadSshSettings(values, deps);
  if (!ssh.ok) return unusable(ssh.failure);

  const logged: string[] = [];
  const backend = createCliDeployBackend({
    workspaceDir: location.value.workspaceDir,
    dataDir: cliDataDir(deps, values['data-dir']),
    createSsh: deps.createSsh ?? cliMachineSsh(ssh.settings),
    log: (message, details) => logged.push(`${message}${details instanceof Error ? `: ${details.message}` : ''}`),
    ...(deps.hasLocalClan === undefined ? {} : { hasLocalClan: deps.hasLocalClan }),
    ...(deps.runLocal === undefined ? {} : { runLocal: deps.runLocal }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.installTimeouts === undefined ? {} : { installTimeouts: deps.installTimeouts }),
  });
  const tell = (text: string) => (asJson ? io.stderr(text) : io.stdout(text));

  // The machine's disks: the listing itself without --disk, and the size and model of the chosen one to confirm.
  if (disk === undefined) {
    const listed = await backend.install.disks({ design, machineId: machine.id });
    if (!listed.ok) return failed(listed.error);
    if (asJson) io.stdout(`${JSON.stringify({ ok: true, file, machine: listed.value.machine, target: listed.value.target, disks: listed.value.disks })}\n`);
    else io.stdout(`${disksText(listed.value.machine, listed.value.target, listed.value.disks)}\nTo install NixOS on one (it erases that disk): clan-designer install ${file} --machine ${machine.name} --disk PATH\n`);
    return ExitCode.ok;
  }
  let listedDisk: MachineDisk | undefined;
  if (values['confirm-erase'] === undefined) {
    const listed = await backend.install.disks({ design, machineId: machine.id });
    if (!listed.ok) return failed(listed.error);
    listedDisk = findDisk(listed.value.disks, disk);
    if (listedDisk === undefined) return failed({ code: 'installDiskNotFound', details: { machine: machine.name, disk, disks: listed.value.disks.map((d) => d.path ?? d.devPath) } });
  }

  // The confirmation: the flag off a terminal, else the machine's name typed on it. Nothing is trimmed or folded.
  let confirm: { machine: string; disk: string };
  const flag = values['confirm-erase'];
  if (flag !== undefined) {
    if (flag !== `${machine.name}:${disk}`) {
      return unusable({ code: 'installNotConfirmed', message: `--confirm-erase must be exactly ${machine.name}:${disk} (the machine's name, ':', the disk), but it is "${flag}". Nothing was installed.` });
    }
    confirm = { machine: machine.name, disk };
  } else {
    tell(`${erasureSentence(machine.name, disk, listedDisk)}\n${listedDisk === undefined ? '' : `${disk} is ${listedDisk.devPath} (${diskLabel(listedDisk)}${listedDisk.serial === null ? '' : `, serial ${listedDisk.serial}`}).\n`}`);
    const stop = await confirmOnTerminal(
      {
        question: `Type the machine's name (${machine.name}) to erase ${disk} and install NixOS, or anything else to stop: `,
        accepts: (line) => line === machine.name,
        declined: `That is not "${machine.name}", so nothing was installed.`,
        cancelled: 'Cancelled; nothing was installed.',
      },
      tell,
      deps.askLine,
    );
    if (stop !== null) return stop;
    confirm = { machine: machine.name, disk };
  }

  let jobId: string | null = null;
  let interrupts = 0;
  let settle: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (settle = resolve));
  let done: Extract<InstallProgress, { type: 'done' }> | null = null;
  const disconnect = backend.events.connect((channel, payload) => {
    if (channel === 'job:onDidProgress') {
      const event = payload as InstallProgress;
      if (event.kind !== 'install') return;
      jobId ??= event.jobId;
      if (event.type === 'done') {
        done = event;
        settle(-1);
        return;
      }
      if (asJson) return;
      if (event.type === 'machineStep') io.stdout(`${stamp(now())} ${machine.name}: step ${event.step.index}/${event.step.total} ${event.step.label}\n`);
      else if (event.type === 'log') io.stdout(`${stamp(now())} ${machine.name} | ${event.text}\n`);
    }
    if (channel === 'job:onDidPrompt') {
      const prompt = payload as JobPrompt;
      if (prompt.type === 'hostKey') {
        queueMicrotask(() => {
          if (acceptNew) tell(`Trusting the new ${prompt.keyType} host key of ${prompt.host}${prompt.port === 22 ? '' : `:${prompt.port}`} (${prompt.fingerprint}) and recording it in ${prompt.knownHostsFile}.\n`);
          backend.jobs.answer({ promptId: prompt.promptId, trust: acceptNew });
        });
      } else if (prompt.type === 'passphrase') {
        queueMicrotask(() => backend.jobs.answer({ promptId: prompt.promptId, passphrase: null }));
      }
    }
  });
  const stopInterrupts = (deps.interrupts ?? processInterrupts).onInterrupt(() => {
    interrupts += 1;
    if (interrupts === 1) {
      tell(`${stamp(now())} Cancelling the install (Ctrl+C again quits at once). A disk being erased may be left half-erased.\n`);
      if (jobId !== null) backend.jobs.cancel(jobId);
      return;
    }
    io.stderr('Quit at once. Clan may still be running on this computer, and the machine may be in the middle of its install: check it at its console.\n');
    settle(130);
    (deps.exitNow ?? ((code: number) => process.exit(code)))(130);
  });

  try {
    const started = await backend.install.start({ name: location.value.name, design, machineId: machine.id, disk, confirm, hostKeys: acceptNew ? 'ask' : 'strict' });
    if (!started.ok) return failed(started.error);
    jobId = started.value.jobId;
    if (interrupts > 0) backend.jobs.cancel(jobId);
    if ((await finished) === 130) return 130;
  } finally {
    stopInterrupts();
    disconnect();
  }

  const end = done as Extract<InstallProgress, { type: 'done' }> | null;
  if (end === null) return ExitCode.failed;
  const report: InstallReport = end.report;
  const folder = join(location.value.workspaceDir, installsFolderOf(designStem(location.value.name)), report.runId);
  const historyDir = existsSync(folder) ? `${folder}/` : null;
  const installed = end.outcome === 'finished' && report.machine.status === 'installed';
  const exit = end.outcome === 'cancelled' ? 130 : end.outcome === 'finished' ? (installed ? ExitCode.ok : ExitCode.problems) : ExitCode.failed;
  const failure = `The install itself failed${logged.length === 0 ? '' : ` (${logged.join('; ')})`}. Check the machine at its console.`;
  if (asJson) {
    io.stdout(`${JSON.stringify({ ok: installed, file, runId: report.runId, history: historyDir, report, ...(exit === ExitCode.failed ? { error: { code: 'installFailed', message: failure } } : {}) })}\n`);
    return exit;
  }
  if (exit === ExitCode.failed) io.stderr(`${failure}\n`);
  const m = report.machine;
  io.stdout(`\n${m.status === 'installed' ? 'Installed' : m.status === 'cancelled' ? 'Cancelled' : 'Failed'}: ${m.message}\n${m.whatToDo === null ? '' : `What to do: ${m.whatToDo}\n`}${historyDir === null ? '' : `Kept in ${historyDir} (install.json, install.log).\n`}`);
  return exit;
}
