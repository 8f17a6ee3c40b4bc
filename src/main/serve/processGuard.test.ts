import { describe, expect, test } from 'vitest';
import { createGuardHandlers } from './processGuard';

describe('the process guard of serve mode', () => {
  test('writes what slipped through with its stack, loudly, and counts it', () => {
    const lines: string[] = [];
    const guard = createGuardHandlers((line) => lines.push(line));
    guard.onException(new TypeError('cannot read x of undefined'));
    guard.onRejection('a plain string');
    expect(guard.caught).toBe(2);
    expect(lines[0]).toMatch(/^INTERNAL ERROR \(the server keeps running; please report this\): uncaught exception\nTypeError: cannot read x of undefined\n\s+at /);
    expect(lines[1]).toContain('unhandled promise rejection\na plain string');
  });
});
