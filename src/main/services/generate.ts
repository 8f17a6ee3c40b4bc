import { appError, type AppError } from '../../shared/errors';
import type { Design } from '../../shared/model/types';
import { describeGenerateError } from '../../shared/nix/errors';
import { generateClan, manifestPath, parseManifest } from '../../shared/nix/generate';
import { err, ok, type Result } from '../../shared/result';
import type { VpnId } from '../../shared/vpn/ids';
import { ConfinedFolder, type FileOps } from '../fs/confinedFolder';
import { writeGeneratedClan, type WriteReport } from './generateFolder';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';

const decoder = new TextDecoder('utf-8');

/**
 * Where a design's Clan configuration goes: a folder next to the design file in the workspace
 * ("home.clan-design.json" -> "home.clan/"). The renderer names the design file only; the folder is derived and
 * checked here, and the files are generated here again from the design, never taken from the renderer. Every path
 * is confined to the workspace: a `<name>.clan` folder (or a folder in it) that is a link to elsewhere is refused
 * (pathOutsideFolder), for reading as well as writing, so the preview can never show a file from outside.
 */
export class GenerateService {
  private readonly workspace: ConfinedFolder;

  constructor(options: { workspaceDir: string; fileOps?: FileOps }) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace', options.fileOps);
  }

  private folderFor(designFile: string): Result<string, AppError> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    return ok(`${designStem(name.value)}.clan`);
  }

  /** What the last generation wrote and is still on disk, as path -> content; null when nothing was written yet. */
  async readLast(designFile: string): Promise<Result<{ folder: string; files: Record<string, string> | null }, AppError>> {
    const folder = this.folderFor(designFile);
    if (!folder.ok) return folder;
    const read = (path: string) => this.workspace.readFile(`${folder.value}/${path}`, { maxBytes: Number.POSITIVE_INFINITY });
    const manifestFile = await read(manifestPath);
    if (!manifestFile.ok) {
      if (manifestFile.error.code === 'pathOutsideFolder') return manifestFile;
      // A manifest that is a link or cannot be read counts as none: the preview shows every file as new.
      return ok({ folder: folder.value, files: null });
    }
    if (manifestFile.value === undefined) return ok({ folder: folder.value, files: null });
    const manifestText = decoder.decode(manifestFile.value.bytes);
    const manifest = parseManifest(manifestText);
    if (manifest === null) return ok({ folder: folder.value, files: null });
    const files: Record<string, string> = {};
    for (const path of Object.keys(manifest.files).sort()) {
      const file = await read(path);
      if (!file.ok && file.error.code === 'pathOutsideFolder') return file;
      // A file deleted by hand, or a link in its place (never followed): the preview shows it as new again.
      if (file.ok && file.value !== undefined) files[path] = decoder.decode(file.value.bytes);
    }
    files[manifestPath] = manifestText;
    return ok({ folder: folder.value, files });
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
    const written = await writeGeneratedClan({ folder: this.workspace, path: folder.value }, generated.value, { force: options.force === true });
    if (!written.ok) {
      const error = written.error;
      if (error.code === 'generatedFilesChanged') return err(appError('generatedFilesChanged', { folder: folder.value, conflicts: error.details.conflicts }));
      // The generated paths were checked before anything was touched; reaching this is a bug in the generator.
      if (error.code === 'invalidGeneratedPath') return err(appError('internalError', { reason: 'invalidGeneratedPath', path: error.details.path }));
      return err(appError(error.code, error.details));
    }
    return ok({ folder: folder.value, report: written.value });
  }
}
