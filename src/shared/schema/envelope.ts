import { z } from 'zod';
import type { Design } from '../model/types';
import { designSchema } from './design';
import { CURRENT_FORMAT_VERSION } from './migrations';

// The design file envelope (STYLE.md section 2): { kind, formatVersion, appVersion, design, meta }.
// formatVersion is the schema version of `design`; appVersion only says which build wrote the file.

/** The `kind` every design file carries, so other JSON files are recognised and refused. */
export const DESIGN_FILE_KIND = 'clan-network-designer/design';

/** A JSON value, as kept in the free-form `meta` fields. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A design file as this build writes it. */
export interface DesignEnvelope {
  kind: typeof DESIGN_FILE_KIND;
  formatVersion: number;
  appVersion: string;
  design: Design;
  meta: Record<string, Json>;
}

/**
 * Puts a value's object keys into a canonical order so equal designs always give equal bytes: structural
 * objects follow their schema's field order (id first, as people read them), while records keyed by id
 * (sites, machines, links, roles) and free-form meta are sorted by key. Output objects have no prototype,
 * so a "__proto__" key can never reach a prototype setter.
 */
function canonicalize(value: unknown, schema: z.ZodType | undefined): unknown {
  let inner = schema;
  while (inner instanceof z.ZodNullable || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  if (Array.isArray(value)) {
    const element = inner instanceof z.ZodArray ? (inner.element as z.ZodType) : undefined;
    return value.map((item) => canonicalize(item, element));
  }
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (inner instanceof z.ZodObject) {
    const shape = inner.shape as Record<string, z.ZodType>;
    for (const key of Object.keys(shape)) if (Object.hasOwn(source, key)) out[key] = canonicalize(source[key], shape[key]);
    // A valid design has no extra keys; should one slip in, keep the output deterministic anyway.
    for (const key of Object.keys(source).sort()) if (!Object.hasOwn(shape, key)) out[key] = canonicalize(source[key], undefined);
    return out;
  }
  const valueSchema = inner instanceof z.ZodRecord ? (inner.valueType as z.ZodType) : undefined;
  // Plain sort compares UTF-16 code units: the same on every machine, unlike localeCompare.
  for (const key of Object.keys(source).sort()) out[key] = canonicalize(source[key], valueSchema);
  return out;
}

/**
 * Writes a design as file text: deterministic JSON (canonical key order, 2-space indent, trailing newline), so
 * saving the same design twice gives identical bytes and diffs of a saved file show only real changes.
 */
export function serializeDesign(design: Design, appVersion: string, meta: Record<string, Json> = {}): string {
  const envelope = {
    kind: DESIGN_FILE_KIND,
    formatVersion: CURRENT_FORMAT_VERSION,
    appVersion,
    design: canonicalize(design, designSchema),
    meta: canonicalize(meta, undefined),
  };
  return `${JSON.stringify(envelope, null, 2)}\n`;
}
