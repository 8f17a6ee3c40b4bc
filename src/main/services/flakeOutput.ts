import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appError, type AppError } from '../../shared/errors';
import type { Design } from '../../shared/model/types';
import { describeGenerateError } from '../../shared/nix/errors';
import { generateClan, manifestPath, parseManifest } from '../../shared/nix/generate';
import { err, ok, type Result } from '../../shared/result';
import type { VpnId } from '../../shared/vpn/ids';
import { writeGeneratedClan, type WriteReport } from './flakeWriter';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';

/**
 * Where a design's Clan configuration goes: a folder next to the design file in the workspace
 * ("home.clan-design.json" -> "home.clan/"). The renderer names the design file only; the folder is derived and
 * checked here, and the files are generated here again from the design, never taken from the renderer.
 */
export class FlakeOutputService {
  private readonly workspaceDir: string;

  constructor(options: { workspaceDir: string }) {
    this.workspaceDir = resolve(options.workspaceDir);
  }

  private folderFor(designFile: string): Result<{ dir: string; display: string }, AppError> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    const folder = `${designStem(name.value)}.clan`;
    return ok({ dir: join(this.workspaceDir, folder), display: folder });
  }

  /** What the last generation wrote and is still on disk, as path -> content; null when nothing was written yet. */
  async readLast(designFile: string): Promise<Result<{ folder: string; files: Record<string, string> | null }, AppError>> {
    const folder = this.folderFor(designFile);
    if (!folder.ok) return folder;
    let manifestText: string;
    try {
      manifestText = await readFile(join(folder.value.dir, manifestPath), 'utf8');
    } catch {
      return ok({ folder: folder.value.display, files: null });
    }
    const manifest = parseManifest(manifestText);
    if (manifest === null) return ok({ folder: folder.value.display, files: null });
    const files: Record<string, string> = {};
    for (const path of Object.keys(manifest.files).sort()) {
      try {
        files[path] = await readFile(join(folder.value.dir, path), 'utf8');
      } catch {
        // A file deleted by hand: the preview shows it as new again.
      }
    }
    files[manifestPath] = manifestText;
    return ok({ folder: folder.value.display, files });
  }

  /** Generates the configuration for the design and writes it, refusing to overwrite hand edits unless forced. */
  async write(designFile: string, untrusted: unknown, options: { vpn?: VpnId; force?: boolean }): Promise<Result<{ folder: string; report: WriteReport }, AppError>> {
    const folder = this.folderFor(designFile);
    if (!folder.ok) return folder;
    // The design comes from the renderer: it is checked against the same schema as a design file.
    const parsed = validateDesign(untrusted);
    if (!parsed.ok) return parsed;
    const design: Design = parsed.value;
    const generated = generateClan(design, options.vpn === undefined ? {} : { vpnOverride: options.vpn });
    if (!generated.ok) return err(appError('generateFailed', { reason: generated.error.code, message: describeGenerateError(generated.error) }));
    const written = await writeGeneratedClan(folder.value.dir, generated.value, { force: options.force === true });
    if (!written.ok) {
      if (written.error.code === 'generatedFilesChanged') return err(appError('generatedFilesChanged', { folder: folder.value.display, conflicts: written.error.details.conflicts }));
      return err(appError('fileAccessFailed', { ...written.error.details, code: written.error.code }));
    }
    return ok({ folder: folder.value.display, report: written.value });
  }
}
