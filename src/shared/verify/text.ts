// Control characters in text that comes from machines or is passed to them: found and replaced without a regular
// expression of control characters (which lint rightly flags as usually a mistake; here it is the point).

/** Whether a character code is a C0 control character or DEL. */
function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** Whether text holds a line break, NUL, escape or any other control character. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

/** Text with every control character but those in `keep` replaced by what `replace` returns for it. */
export function replaceControlCharacters(text: string, replace: (char: string) => string, keep = ''): string {
  let out = '';
  for (const char of text) out += isControl(char.charCodeAt(0)) && !keep.includes(char) ? replace(char) : char;
  return out;
}
