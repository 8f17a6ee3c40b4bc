import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { findUnrepresentable, nixAttrName, nixKeywords, nixString, NixStringError, nixStringList } from './escape';

/**
 * A model of how Nix reads a double-quoted string (lexer.l and unescapeStr in Nix): `\X` is X, except \n \r \t;
 * a raw CR or CR LF becomes LF; `${` starts an interpolation (which nixString must never produce); `"` ends the
 * string. The real Nix evaluates the same cases in test/unit/nixRoundTrip.test.ts.
 */
function readNixString(literal: string): string {
  expect(literal.startsWith('"')).toBe(true);
  let out = '';
  for (let i = 1; i < literal.length; i += 1) {
    const c = literal[i]!;
    if (c === '"') {
      expect(i).toBe(literal.length - 1);
      return out;
    }
    if (c === '$' && literal[i + 1] === '{') throw new Error(`unescaped interpolation at ${i} in ${JSON.stringify(literal)}`);
    if (c === '\\') {
      const next = literal[i + 1]!;
      out += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next;
      i += 1;
    } else if (c === '\r') {
      out += '\n';
      if (literal[i + 1] === '\n') i += 1;
    } else {
      out += c;
    }
  }
  throw new Error(`unterminated string ${JSON.stringify(literal)}`);
}

const alphabet = ['\\', '"', '$', '{', '}', '\n', '\r', '\t', 'a', "'"];

function* allStrings(maxLength: number): Generator<string> {
  yield '';
  let level = [''];
  for (let n = 1; n <= maxLength; n += 1) {
    const next: string[] = [];
    for (const prefix of level) for (const c of alphabet) next.push(prefix + c);
    yield* next;
    level = next;
  }
}

describe('nixString', () => {
  test.each([
    ['', '""'],
    ['plain', '"plain"'],
    ['a "quoted" word', '"a \\"quoted\\" word"'],
    ['back\\slash', '"back\\\\slash"'],
    ['${x}', '"\\${x}"'],
    ['$${x}', '"$\\${x}"'],
    ['\\${x}', '"\\\\\\${x}"'],
    ['lone $ and $', '"lone $ and $"'],
    ['line\nbreak\r\ttab', '"line\\nbreak\\r\\ttab"'],
    ["two '' quotes", `"two '' quotes"`],
    ['unicode é 😀 \u2028', '"unicode é 😀 \u2028"'],
  ])('writes %j as %s', (input, expected) => {
    expect(nixString(input)).toBe(expected);
  });

  test('every string of up to five characters from the special alphabet reads back unchanged (111,111 strings)', () => {
    let count = 0;
    for (const s of allStrings(5)) {
      expect(readNixString(nixString(s))).toBe(s);
      count += 1;
    }
    expect(count).toBe(111_111);
  });

  test('random strings read back unchanged and never contain an unescaped ${', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.array(fc.constantFrom(...alphabet, '${', '\r\n'), { maxLength: 20 }), (text, specials) => {
        const s = text + specials.join('');
        expect(readNixString(nixString(s))).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  test('refuses NUL and unpaired surrogates with the position, and accepts paired ones', () => {
    expect(() => nixString('a\0b')).toThrow(NixStringError);
    expect(findUnrepresentable('a\0b')).toEqual({ reason: 'nul', index: 1 });
    expect(findUnrepresentable('x\uD800')).toEqual({ reason: 'loneSurrogate', index: 1 });
    expect(findUnrepresentable('\uDC00x')).toEqual({ reason: 'loneSurrogate', index: 0 });
    expect(findUnrepresentable('\uD83D\uDE00 ok')).toBeNull();
    expect(() => nixString('\uD800')).toThrow(/unpaired/);
  });

  test('nixStringList writes a one-line list', () => {
    expect(nixStringList([])).toBe('[ ]');
    expect(nixStringList(['a', '${b}'])).toBe('[ "a" "\\${b}" ]');
  });
});

describe('nixAttrName', () => {
  test.each([
    ['nebula', 'nebula'],
    ['home-pc', 'home-pc'],
    ["it's", "it's"],
    ['_x1', '_x1'],
    ['2nd-pc', '"2nd-pc"'],
    ['a.b', '"a.b"'],
    ['with space', '"with space"'],
    ['', '""'],
    ['${x}', '"\\${x}"'],
  ])('writes %j as %s', (input, expected) => {
    expect(nixAttrName(input)).toBe(expected);
  });

  test('quotes every keyword', () => {
    for (const keyword of nixKeywords) expect(nixAttrName(keyword)).toBe(`"${keyword}"`);
    expect(nixKeywords.size).toBe(10);
  });
});
