import { join } from 'node:path';
import { describeError } from '../../shared/errors';
import { describeGenerateError } from '../../shared/nix/errors';
import { generateClan, type GeneratedClan } from '../../shared/nix/generate';
import { isVpnId, vpnIds, type VpnId } from '../../shared/vpn/ids';
import { compareGeneratedClan, writeGeneratedClan, type Conflict, type GenerateWriteError } from '../services/generateFolder';
import { ExitCode, fail, parseCommand, readDesignFile, readTextFile, type CliFailure, type CliIo } from './io';

const usage = `Usage: clan-designer generate <design-file> --out <dir> [options]

Generates the Clan flake for a design: flake.nix, clan.nix, inventory.json, a configuration.nix per machine and,
for VPNs that clan-core does not ship, the service module. No secret is written; keys are created later by
"clan vars generate". Files you changed by hand are never overwritten, and files the app wrote earlier that are
no longer generated (a deleted machine's folder) are removed.

Options:
  --out DIR          the flake folder (created if needed)
  --vpn ID           generate for another VPN than the design's, with roles assigned automatically (what-if):
                     ${vpnIds.join(', ')}
  --admin-key FILE   your SSH public key file (for example ~/.ssh/id_ed25519.pub); adds the sshd service, which
                     allows this key for root and turns off password logins
  --check            change nothing; exit 1 if the folder differs from what would be generated
  --force            overwrite or delete generated files even if they were changed by hand
  --json             print what was written (or, with --check, what differs) as JSON
  -h, --help         show this help

Exit codes: 0 written (with --check: up to date), 1 the design has errors, files were changed by hand, or
--check found differences, 2 unusable file or arguments, 3 writing failed.
`;

const conflictReasons: Record<Conflict['reason'], string> = {
  editedByHand: 'changed since the app wrote it',
  notWrittenByApp: 'not written by the app',
  notAFile: 'a folder or link is in the way (never replaced)',
};

function describeWriteError(error: GenerateWriteError, out: string): string {
  switch (error.code) {
    case 'generatedFilesChanged': {
      const lines = error.details.conflicts.map((c) => `  ${c.action === 'delete' ? 'would delete' : 'would overwrite'}  ${c.path}: ${conflictReasons[c.reason]}`);
      return `Nothing was written to ${out}: these files are not what the app wrote last time, and replacing them could lose your changes.\n${lines.join('\n')}\nMove your changes elsewhere (or into hardware-configuration.nix, which the app never touches) and run again, or add --force to replace them.`;
    }
    case 'fileAccessFailed': {
      const name = typeof error.details.name === 'string' && error.details.name !== '' ? join(out, error.details.name) : out;
      return `Writing the flake stopped at ${name} (${String(error.details.operation)}: ${String(error.details.errno)}). Files already written are complete; check the folder's permissions and free space, then run again.`;
    }
    case 'notARegularFile':
    case 'pathOutsideFolder':
      return `${describeError(error)} (Output folder: ${out}.)`;
    case 'invalidGeneratedPath':
      return `The generator produced an unsafe path (${error.details.path}), so nothing was written. This is a bug; please report it.`;
  }
}

function printNotes(lines: string[], generated: GeneratedClan): void {
  lines.push('Notes:');
  for (const note of generated.notes) lines.push(`  - ${note}`);
  if (generated.deployBlockers.length > 0) {
    lines.push('Before deploying, fix:');
    for (const p of generated.deployBlockers) lines.push(`  - ${p.message} [${p.code}]`);
  }
}

/** `generate <design-file> --out <dir>`: writes (or with --check compares) the Clan flake for a design. */
export async function runGenerate(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, { out: { type: 'string' }, vpn: { type: 'string' }, 'admin-key': { type: 'string' }, check: { type: 'boolean' }, force: { type: 'boolean' } }, { io, usage, files: 'one', name: 'generate' });
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as { out?: string; vpn?: string; 'admin-key'?: string; check?: boolean; force?: boolean };
  const file = parsed.positionals[0]!;
  const asJson = parsed.json;
  const usageError = (message: string) => fail(io, asJson, ExitCode.usage, { code: 'usage', message }, { usage });
  if (values.out === undefined || values.out.trim() === '') return usageError('generate needs --out DIR, the folder to write the flake to.');
  if (values.vpn !== undefined && !isVpnId(values.vpn)) return usageError(`Unknown VPN "${values.vpn}". Use one of: ${vpnIds.join(', ')}.`);
  if (values.check === true && values.force === true) return usageError('--check changes nothing, so --force does not go with it.');
  const args = { file, out: values.out, vpn: values.vpn as VpnId | undefined, check: values.check === true, force: values.force === true };
  const failWith = (code: number, failure: CliFailure) => fail(io, asJson, code, failure, { file });

  const loaded = await readDesignFile(file);
  if (!loaded.ok) return failWith(ExitCode.usage, loaded.failure);
  let adminPublicKey: string | undefined;
  if (values['admin-key'] !== undefined) {
    const key = await readTextFile(values['admin-key'], 'the admin key');
    if (!key.ok) return failWith(ExitCode.usage, key.failure);
    adminPublicKey = key.text;
  }

  const generated = generateClan(loaded.value.design, { vpnOverride: args.vpn, adminPublicKey });
  if (!generated.ok) {
    const error = generated.error;
    let message = describeGenerateError(error);
    if (error.code === 'designInvalid') message = ['The design has errors, so no configuration was generated:', ...error.details.problems.map((p) => `  error  ${p.message} [${p.code}]`)].join('\n');
    return failWith(ExitCode.problems, { code: error.code, message, details: error.details });
  }
  const clan = generated.value;
  const summary = { vpn: clan.vpn, instance: clan.instance, notes: clan.notes, deployBlockers: clan.deployBlockers };

  if (args.check) {
    const checked = await compareGeneratedClan(args.out, clan);
    if (!checked.ok) return failWith(ExitCode.failed, { code: checked.error.code, message: describeWriteError(checked.error, args.out), details: checked.error.details });
    const report = checked.value;
    if (asJson) {
      io.stdout(`${JSON.stringify({ ok: report.upToDate, file: args.file, out: args.out, check: report, ...summary })}\n`);
    } else if (report.upToDate) {
      const kept = report.keptEdits.length === 0 ? '' : `; ${report.keptEdits.length} changed by hand and kept: ${report.keptEdits.join(', ')}`;
      io.stdout(`${args.out} is up to date (${Object.keys(clan.files).length} files${kept}).\n`);
    } else {
      const lines = [`${args.out} is out of date:`];
      for (const p of report.changed) lines.push(`  differs  ${p}`);
      for (const p of report.missing) lines.push(`  missing  ${p}`);
      for (const p of report.stale) lines.push(`  stale    ${p} (no longer generated)`);
      lines.push('Run the same command without --check to update it.');
      io.stdout(`${lines.join('\n')}\n`);
    }
    return report.upToDate ? ExitCode.ok : ExitCode.problems;
  }

  const written = await writeGeneratedClan(args.out, clan, { force: args.force });
  if (!written.ok) {
    const code = written.error.code === 'generatedFilesChanged' ? ExitCode.problems : ExitCode.failed;
    return failWith(code, { code: written.error.code, message: describeWriteError(written.error, args.out), details: written.error.details });
  }
  const report = written.value;
  if (asJson) {
    io.stdout(`${JSON.stringify({ ok: true, file: args.file, out: args.out, files: Object.keys(clan.files), report, ...summary })}\n`);
    return ExitCode.ok;
  }
  const lines = [`${args.out}: ${report.written.length} written, ${report.unchanged.length} unchanged, ${report.removed.length} removed`];
  for (const p of report.written) lines.push(`  ${report.forced.includes(p) ? 'forced ' : 'written'}  ${p}`);
  for (const p of report.removed) lines.push(`  ${report.forced.includes(p) ? 'forced ' : 'removed'}  ${p}`);
  for (const p of report.keptEdits) lines.push(`  kept     ${p} (changed by hand; what the app generates for it has not changed)`);
  for (const folder of report.keptFolders) {
    lines.push(`  kept     ${folder}/ (it still holds files you added${folder.startsWith('machines/') ? '; Clan treats every folder in machines/ as a machine, so delete it if the machine is gone' : ''})`);
  }
  printNotes(lines, clan);
  io.stdout(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}
