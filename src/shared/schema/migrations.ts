import { err, ok, type Result } from '../result';

// The file format's history as an ordered list of named, pure, up-only steps (tldraw's migrate.ts, zustand's
// version/migrate). Each step turns the design JSON of version `version - 1` into version `version`.
//
// Version 0 is the pre-release shape, written before files carried a real version; it is the same shape as
// version 1, so step 1 (InitialFormat) is the identity. Keeping it as a real step means the list is never empty,
// the current version is always "the last step's version", and the machinery is exercised by every old file.
//
// Steps see only the `design` value of the envelope: the envelope itself (kind, formatVersion, appVersion, meta)
// keeps one shape forever, because the loader must read kind and formatVersion before it can pick any step.
//
// To change the format: append `{ version: N + 1, name: 'WhatChanged', up }`, add a frozen fixture
// fixtures/design-vN.json written by the previous version, and a test that loads it. Never edit a shipped step.

/** One step of the file format: turns the design JSON of the previous version into this version's. */
export interface Migration {
  /** The format version this step produces; the list runs 1, 2, 3, ... without gaps. */
  readonly version: number;
  /** What changed, as a PascalCase change name (AddVpnProvider, SplitHostRole). */
  readonly name: string;
  /** Pure: takes the previous version's design JSON and returns the next; may throw on input it cannot convert. */
  readonly up: (design: unknown) => unknown;
}

/** Why a migration step failed: which step, and its message for the log. */
export interface MigrationFailure {
  step: string;
  version: number;
  message: string;
}

/**
 * Checks a list of steps (versions 1..n in order, unique PascalCase names) and freezes it. A bad list is a
 * programming error, so this throws at module load instead of returning a Result.
 */
export function defineMigrations(steps: readonly Migration[]): readonly Migration[] {
  const names = new Set<string>();
  steps.forEach((step, index) => {
    if (step.version !== index + 1) throw new Error(`migration "${step.name}" has version ${step.version}, expected ${index + 1}`);
    if (!/^[A-Z][A-Za-z0-9]*$/.test(step.name)) throw new Error(`migration name "${step.name}" is not a PascalCase change name`);
    if (names.has(step.name)) throw new Error(`migration name "${step.name}" is used twice`);
    names.add(step.name);
  });
  return Object.freeze(steps.map((step) => Object.freeze({ ...step })));
}

/** The version a list of steps produces: its last step's version (0 for an empty list). */
export function currentVersionOf(steps: readonly Migration[]): number {
  return steps.length === 0 ? 0 : steps[steps.length - 1]!.version;
}

/**
 * Step 2: adds `comparison` with the defaults of version 2. The defaults are written out here, not taken from
 * createDefaultComparison: a shipped step must keep producing the same JSON when the app's defaults change later.
 * A design that is not an object is passed on unchanged for the loader to report; an existing field is kept.
 */
function addVpnComparison(design: unknown): unknown {
  if (typeof design !== 'object' || design === null || Array.isArray(design) || Object.hasOwn(design, 'comparison')) return design;
  return {
    ...design,
    comparison: {
      profile: 'baseline',
      preset: 'balanced',
      weights: { tcp: 1, parallelTcp: 1, udp: 1, pingRtt: 1, pingLoss: 1, quic: 1, video: 1, nixCache: 1 },
      scoreProfiles: [],
      sort: { column: 'score', direction: 'bestFirst' },
      priorities: { throughput: 2, latency: 2, resilience: 2, selfHosted: 1, clanNative: 1, decentralised: 0 },
    },
  };
}

/**
 * Step 3: adds `deploy` with the defaults of version 3: no vars helper chosen, a rollback after 90 seconds, four
 * machines of a wave at once. Written out for the same reason as in step 2; non-objects and an existing field pass.
 */
function addDeploySettings(design: unknown): unknown {
  if (typeof design !== 'object' || design === null || Array.isArray(design) || Object.hasOwn(design, 'deploy')) return design;
  return { ...design, deploy: { varsHelper: null, rollbackSeconds: 90, concurrency: 4 } };
}

/** Every step of the design file format, oldest first. */
export const migrations: readonly Migration[] = defineMigrations([
  // Pre-release files (formatVersion 0) already have the version-1 shape.
  { version: 1, name: 'InitialFormat', up: (design) => design },
  // Version 2 keeps the VPN comparison (leaderboard profile, weights, sort; advisor priorities) in the design.
  { version: 2, name: 'AddVpnComparison', up: addVpnComparison },
  // Version 3 keeps the deploy settings (vars helper, rollback time limit, concurrency) in the design.
  { version: 3, name: 'AddDeploySettings', up: addDeploySettings },
]);

/** The format version this build reads and writes: computed from the list, never edited by hand. */
export const CURRENT_FORMAT_VERSION: number = currentVersionOf(migrations);

/** A thrown value as a short message, even when it is not an Error or cannot be turned into a string. */
export function describeThrown(cause: unknown): string {
  try {
    const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return text.length > 500 ? `${text.slice(0, 500)}...` : text;
  } catch {
    return 'an exception that cannot be described';
  }
}

/**
 * Runs every step newer than `fromVersion`, in order. A step that throws, or returns nothing for a design, stops the
 * run and is reported by name; the input is the caller's freshly parsed JSON, so steps may not be handed shared objects.
 */
export function runMigrations(design: unknown, fromVersion: number, steps: readonly Migration[] = migrations): Result<unknown, MigrationFailure> {
  let current = design;
  for (const step of steps) {
    if (step.version <= fromVersion) continue;
    const before = current;
    try {
      current = step.up(current);
    } catch (cause) {
      return err({ step: step.name, version: step.version, message: describeThrown(cause) });
    }
    // A file without a design has nothing to migrate; passing the nothing on lets the loader report invalidDesign.
    if (current === undefined && before !== undefined) return err({ step: step.name, version: step.version, message: 'the step returned nothing' });
  }
  return ok(current);
}
