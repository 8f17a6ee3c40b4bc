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

  test('deployBlockedByJob says what was not done, which job is in the way and in which tab to cancel it', () => {
    const message = (kind: string, action: string) => describeError({ code: 'deployBlockedByJob', details: { jobId: 'j1', kind, action } });
    expect(message('verify', 'deploy')).toBe(
      'Nothing was deployed: a verify of the network is running and talking to the machines over the VPN right now, and with their VPN switched under it its results would be wrong. Wait for it to finish, or cancel it in the Verify tab, then try again.',
    );
    expect(message('measure', 'install')).toMatch(/^NixOS was not installed, and nothing was changed on the machine: a measurement of the network is running .* a machine erased and restarted under it .* cancel it in the Measure tab, then try again\.$/);
  });
});
