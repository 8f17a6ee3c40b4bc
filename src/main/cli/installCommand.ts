import { diskLabel, diskSizeText, erasureSentence, findDisk, isValidDiskPath, type MachineDisk } from '../../shared/deploy/install';
import type { AppError, AppErrorCode } from '../../shared/errors';
import { recordValues } from '../../shared/model/overlay';
import { listText } from '../../shared/text';
import type { DeployServiceOptions } from '../services/deployService';
import { installsFolderOf, type InstallServiceOptions } from '../services/installService';
import { ExitCode, fail, type CliIo } from './io';
import { configurationErrors, failureOf, failWithError, followJobCommand, jobFailedMessage, openJobCommand, printJobEnd, type JobCommandDeps } from './jobFollow';
import { sshHelp, sshOptionsHelp } from './sshOptions';

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
export interface InstallCommandDeps extends JobCommandDeps, Pick<DeployServiceOptions, 'hasLocalClan' | 'runLocal'> {
  installTimeouts?: InstallServiceOptions['timeouts'];
  /** Ends the process at once after a second Ctrl+C (default: process.exit). */
  exitNow?: (code: number) => void;
}

/** Codes that mean the request itself cannot be used (exit 2), as opposed to an install that could not run (3). */
const unusableCodes: readonly AppErrorCode[] = [...configurationErrors, 'installMachineUnusable', 'installDiskInvalid', 'installNotConfirmed'];

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
  const command = await openJobCommand(argv, io, deps, {
    name: 'install',
    usage,
    options: ['machine', 'disk', 'confirm-erase'],
    check: (values) =>
      values.machine === undefined
        ? { code: 'usage', message: 'install needs --machine NAME: the machine of the design to install NixOS on.' }
        : values['confirm-erase'] !== undefined && values.disk === undefined
          ? { code: 'usage', message: '--confirm-erase confirms erasing the disk given with --disk; give --disk too.' }
          : null,
    select: (design, values) => {
      const machine = recordValues(design.machines).find((m) => m.name === values.machine);
      if (machine === undefined) {
        const managed = recordValues(design.machines).filter((m) => m.managed).map((m) => m.name).sort();
        return { ok: false, failure: { code: 'installMachineUnusable', message: `The design has no machine named "${values.machine}". ${managed.length === 0 ? 'It has no machines the app manages.' : `Its managed machines: ${listText(managed)}.`}` } };
      }
      const disk = values.disk;
      if (disk !== undefined && !isValidDiskPath(disk)) return { ok: false, failure: failureOf({ code: 'installDiskInvalid', details: { disk } }) };
      return { ok: true, value: { machine, disk, confirmErase: values['confirm-erase'] } };
    },
    // Without --disk it only lists the disks; --confirm-erase is the confirmation off a terminal.
    askFirst: ({ machine, disk, confirmErase }) =>
      disk === undefined || confirmErase !== undefined
        ? null
        : { why: `install erases ${disk} on ${machine.name}, so it asks you to type the machine's name`, instead: `To confirm in a script, add --confirm-erase ${machine.name}:${disk}.` },
    backend: { hasLocalClan: deps.hasLocalClan, runLocal: deps.runLocal, installTimeouts: deps.installTimeouts },
  });
  if (typeof command === 'number') return command;
  const { asJson, file, design, backend } = command;
  const { machine, disk, confirmErase } = command.selection;
  const failed = (error: AppError) => failWithError(command, error, unusableCodes);

  // The machine's disks: the listing itself without --disk.
  if (disk === undefined) {
    const listed = await backend.install.disks({ design, machineId: machine.id });
    if (!listed.ok) return failed(listed.error);
    if (asJson) io.stdout(`${JSON.stringify({ ok: true, file, machine: listed.value.machine, target: listed.value.target, disks: listed.value.disks })}\n`);
    else io.stdout(`${disksText(listed.value.machine, listed.value.target, listed.value.disks)}\nTo install NixOS on one (it erases that disk): clan-designer install ${file} --machine ${machine.name} --disk PATH\n`);
    return ExitCode.ok;
  }

  // The confirmation: the flag off a terminal, else the machine's name typed on it, after the chosen disk's size and
  // model. Nothing is trimmed or folded.
  if (confirmErase !== undefined) {
    if (confirmErase !== `${machine.name}:${disk}`) {
      return fail(io, asJson, ExitCode.usage, { code: 'installNotConfirmed', message: `--confirm-erase must be exactly ${machine.name}:${disk} (the machine's name, ':', the disk), but it is "${confirmErase}". Nothing was installed.` }, { file });
    }
  } else {
    const listed = await backend.install.disks({ design, machineId: machine.id });
    if (!listed.ok) return failed(listed.error);
    const listedDisk: MachineDisk | undefined = findDisk(listed.value.disks, disk);
    if (listedDisk === undefined) return failed({ code: 'installDiskNotFound', details: { machine: machine.name, disk, disks: listed.value.disks.map((d) => d.path ?? d.devPath) } });
    command.tell(`${erasureSentence(machine.name, disk, listedDisk)}\n${disk} is ${listedDisk.devPath} (${diskLabel(listedDisk)}${listedDisk.serial === null ? '' : `, serial ${listedDisk.serial}`}).\n`);
    const stop = await command.confirm({
      question: `Type the machine's name (${machine.name}) to erase ${disk} and install NixOS, or anything else to stop: `,
      accepts: (line) => line === machine.name,
      declined: `That is not "${machine.name}", so nothing was installed.`,
      cancelled: 'Cancelled; nothing was installed.',
    });
    if (stop !== null) return stop;
  }

  const ran = await followJobCommand(command, 'install', (request) => backend.install.start({ ...request, machineId: machine.id, disk, confirm: { machine: machine.name, disk } }), {
    onEvent: (event) => {
      if (asJson) return;
      if (event.type === 'machineStep') command.note(`${machine.name}: step ${event.step.index}/${event.step.total} ${event.step.label}`);
      else if (event.type === 'log') command.note(`${machine.name} | ${event.text}`);
    },
    cancelling: 'Cancelling the install (Ctrl+C again quits at once). A disk being erased may be left half-erased.',
    quitAtOnce: { warning: 'Quit at once. Clan may still be running on this computer, and the machine may be in the middle of its install: check it at its console.\n', exitNow: deps.exitNow },
    usageErrors: unusableCodes,
    folderOf: installsFolderOf,
  });
  if (typeof ran === 'number') return ran;

  const { end, historyDir } = ran;
  const report = end.report;
  const installed = end.outcome === 'finished' && report.machine.status === 'installed';
  const exit = end.outcome === 'cancelled' ? 130 : end.outcome === 'finished' ? (installed ? ExitCode.ok : ExitCode.problems) : ExitCode.failed;
  const m = report.machine;
  return printJobEnd(command, {
    exit,
    failure: { code: 'installFailed', message: jobFailedMessage('The install', command.logged, '. Check the machine at its console.') },
    json: { runId: report.runId, history: historyDir, report },
    text: () => `${m.status === 'installed' ? 'Installed' : m.status === 'cancelled' ? 'Cancelled' : 'Failed'}: ${m.message}\n${m.whatToDo === null ? '' : `What to do: ${m.whatToDo}\n`}${historyDir === null ? '' : `Kept in ${historyDir} (install.json, install.log).\n`}`,
  });
}
