// Deterministic JSON for generated files: object keys sorted by UTF-16 code units (the same order on every
// platform, and also for keys that look like numbers, which JSON.stringify would move to the front), two-space
// indentation, a trailing newline. Arrays keep their order, which the generator makes stable.

/** A JSON value the generator writes. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

function write(value: JsonValue, indent: string, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value));
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const list = value as readonly JsonValue[];
    if (list.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[');
    list.forEach((item, i) => {
      out.push(i === 0 ? `\n${inner}` : `,\n${inner}`);
      write(item, inner, out);
    });
    out.push(`\n${indent}]`);
    return;
  }
  const record = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(record).sort();
  if (keys.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{');
  keys.forEach((key, i) => {
    out.push(`${i === 0 ? '\n' : ',\n'}${inner}${JSON.stringify(key)}: `);
    write(record[key]!, inner, out);
  });
  out.push(`\n${indent}}`);
}

/** JSON text with sorted keys and a trailing newline. */
export function stableJson(value: JsonValue): string {
  const out: string[] = [];
  write(value, '', out);
  out.push('\n');
  return out.join('');
}
