import { describe, expect, test } from 'vitest';
import { appErrorCodes, describeError } from './errors';

describe('error messages', () => {
  test('every code has a message that says what happened and what to do', () => {
    for (const code of appErrorCodes) {
      const message = describeError({ code });
      expect(message.length).toBeGreaterThan(40);
      expect(message).not.toMatch(/^Error:/);
      // A message ends with an instruction or a reassurance, as full sentences.
      expect(message.trim().endsWith('.')).toBe(true);
    }
  });
});
