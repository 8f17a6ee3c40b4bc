import type { Design } from '../model/types';
import { err, ok, type Result } from '../result';
import { designSchema } from './design';
import { DESIGN_FILE_KIND } from './envelope';
import { currentVersionOf, describeThrown, migrations as defaultMigrations, runMigrations, type Migration } from './migrations';
import { restoreDesign, type RepairReport } from './restore';

// The one load pipeline for any design text: a file, an autosave, a paste or LLM output (STYLE.md section 2).
// Each step returns a Result and nothing throws past loadDesignFile:
//   1. JSON.parse fails, the value is not an object, or `kind` is wrong      -> notADesignFile
//   2. formatVersion is newer than this build's                                -> fileFromNewerVersion (refuse, never strip)
//   3. run the migrations from the file's version                              -> migrationFailed, with the step name
//   4. restore/repair record by record (restore.ts), counting what changed
//   5. zod-parse the whole design                                              -> invalidDesign, with the issues
// Restore runs before the final zod parse (unlike tldraw, which has no repair pass): a damaged record should cost
// that record, not the file. So invalidDesign means restore could not save the design, in practice that the
// design value is not an object at all.

/** The four ways loading can fail. */
export const loadErrorCodes = ['notADesignFile', 'fileFromNewerVersion', 'migrationFailed', 'invalidDesign'] as const;

/** Why a text is not a design file at all. */
export type NotADesignFileReason = 'notJson' | 'notAnObject' | 'wrongKind' | 'badFormatVersion';

/** A zod issue in short: where (dotted path) and what. */
export interface DesignIssue {
  path: string;
  message: string;
}

/** A load failure: a code from loadErrorCodes and details for the message and the log. */
export type LoadError =
  | { code: 'notADesignFile'; details: { reason: NotADesignFileReason; message: string } }
  | { code: 'fileFromNewerVersion'; details: { fileVersion: number; supportedVersion: number; savedBy?: string } }
  | { code: 'migrationFailed'; details: { step: string; version: number; message: string } }
  | { code: 'invalidDesign'; details: { issues: DesignIssue[]; issueCount: number } };

/** A loaded design, with what loading had to do to it. */
export interface LoadedDesign {
  design: Design;
  /** The format version of the returned design (always the current one). */
  formatVersion: number;
  /** The file's own format version, when it was older and migrated. */
  migratedFrom?: number;
  /** What the restore pass changed; empty for a clean file. */
  repairs: RepairReport;
}

/** Options for tests: the migration steps to use instead of the app's. */
export interface LoadOptions {
  migrations?: readonly Migration[];
}

/** At most this many issues travel in an invalidDesign error; the count says how many there were. */
const MAX_ISSUES = 10;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the text "${value.length > 60 ? `${value.slice(0, 60)}...` : value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function notADesignFile(reason: NotADesignFileReason, message: string): Result<never, LoadError> {
  return err({ code: 'notADesignFile', details: { reason, message } });
}

function invalidDesign(issues: DesignIssue[]): Result<never, LoadError> {
  return err({ code: 'invalidDesign', details: { issues: issues.slice(0, MAX_ISSUES), issueCount: issues.length } });
}

function loadUnguarded(text: string, steps: readonly Migration[]): Result<LoadedDesign, LoadError> {
  if (typeof text !== 'string') return notADesignFile('notJson', `expected text, found ${describeValue(text)}`);
  let json: unknown;
  try {
    // Editors on Windows may save a byte order mark, which JSON.parse rejects.
    json = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (cause) {
    return notADesignFile('notJson', describeThrown(cause));
  }
  if (!isObject(json)) return notADesignFile('notAnObject', `the file holds ${describeValue(json)}, not an object`);
  if (json.kind !== DESIGN_FILE_KIND) {
    return notADesignFile('wrongKind', json.kind === undefined ? 'the file has no "kind" field' : `"kind" is ${describeValue(json.kind)}, expected "${DESIGN_FILE_KIND}"`);
  }
  const fileVersion = json.formatVersion;
  if (typeof fileVersion !== 'number' || !Number.isInteger(fileVersion) || fileVersion < 0) {
    return notADesignFile('badFormatVersion', `"formatVersion" is ${describeValue(fileVersion)}, expected a whole number`);
  }
  const supportedVersion = currentVersionOf(steps);
  if (fileVersion > supportedVersion) {
    const savedBy = typeof json.appVersion === 'string' ? json.appVersion.slice(0, 100) : undefined;
    return err({ code: 'fileFromNewerVersion', details: savedBy === undefined ? { fileVersion, supportedVersion } : { fileVersion, supportedVersion, savedBy } });
  }
  const migrated = runMigrations(json.design, fileVersion, steps);
  if (!migrated.ok) return err({ code: 'migrationFailed', details: migrated.error });
  const restored = restoreDesign(migrated.value);
  if (!restored.ok) return invalidDesign([restored.error]);
  const parsed = designSchema.safeParse(restored.value.design);
  if (!parsed.success) {
    return invalidDesign(parsed.error.issues.map((issue) => ({ path: ['design', ...issue.path.map(String)].join('.'), message: issue.message })));
  }
  const loaded: LoadedDesign = { design: parsed.data, formatVersion: supportedVersion, repairs: restored.value.report };
  if (fileVersion < supportedVersion) loaded.migratedFrom = fileVersion;
  return ok(loaded);
}

/**
 * Reads design file text into a design: checks the envelope, refuses newer files, migrates older ones, repairs
 * damaged records and validates the result. Returns a coded error for every failure and never throws.
 */
export function loadDesignFile(text: string, options: LoadOptions = {}): Result<LoadedDesign, LoadError> {
  try {
    return loadUnguarded(text, options.migrations ?? defaultMigrations);
  } catch (cause) {
    // A bug in restore or a stack overflow on absurd input: still a value, never an exception.
    return invalidDesign([{ path: 'design', message: `could not be read: ${describeThrown(cause)}` }]);
  }
}
