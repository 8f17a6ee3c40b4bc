// The one place where text becomes Nix source. Everything user-controlled normally travels through inventory.json
// (JSON strings are never interpolated by builtins.fromJSON, CLAN.md 5.3); the few values that must be Nix
// (meta.name, meta.domain, meta.description, a machine's platform, its last-resort SSH address and peer URIs) go
// through nixString, and generated attribute names through nixAttrName. Indented strings (''...'') are never used
// for data: their escaping rules differ.

/** Text that cannot be written as a Nix string. */
export class NixStringError extends Error {
  constructor(
    readonly reason: 'nul' | 'loneSurrogate',
    readonly index: number,
  ) {
    super(reason === 'nul' ? `NUL character at index ${index}: Nix strings cannot hold it` : `unpaired UTF-16 surrogate at index ${index}: not valid Unicode`);
  }
}

/**
 * Where text stops being representable in Nix (and in the JSON Nix reads): the first NUL, which Nix would silently
 * cut the string at, or an unpaired UTF-16 surrogate, which is not Unicode and which builtins.fromJSON rejects.
 * Null when the text is fine.
 */
export function findUnrepresentable(text: string): { reason: 'nul' | 'loneSurrogate'; index: number } | null {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0) return { reason: 'nul', index: i };
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
      else return { reason: 'loneSurrogate', index: i };
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return { reason: 'loneSurrogate', index: i };
    }
  }
  return null;
}

/**
 * A double-quoted Nix string literal whose value is exactly `text`. Order matters: backslashes first (so the
 * escapes added later are not doubled), then quotes, then `${` (a lone `$` is literal and stays), then newline, CR
 * and tab. CR must be escaped: Nix turns a raw CR or CR LF inside a string into LF. Throws NixStringError for NUL
 * and unpaired surrogates; callers check user text with findUnrepresentable first and report it as a value.
 */
export function nixString(text: string): string {
  const bad = findUnrepresentable(text);
  if (bad !== null) throw new NixStringError(bad.reason, bad.index);
  let out = '"';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '$':
        out += text[i + 1] === '{' ? '\\$' : '$';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += ch;
    }
  }
  return `${out}"`;
}

/** Nix keywords: an attribute with one of these names must be quoted (`or` included, which Nix treats specially). */
export const nixKeywords: ReadonlySet<string> = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);

const bareAttrName = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/**
 * An attribute name as Nix source: bare when it is a plain identifier that is not a keyword, otherwise a quoted
 * string ("2nd-pc", "a.b", "if"). Quoting matters for dots: `a.b = 1` nests, `"a.b" = 1` does not.
 */
export function nixAttrName(name: string): string {
  return bareAttrName.test(name) && !nixKeywords.has(name) ? name : nixString(name);
}

/** A Nix list of strings on one line: [ "a" "b" ]. */
export function nixStringList(items: readonly string[]): string {
  return items.length === 0 ? '[ ]' : `[ ${items.map(nixString).join(' ')} ]`;
}
