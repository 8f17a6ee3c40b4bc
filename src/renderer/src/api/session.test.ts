// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';
import { takePairingCode } from './session';

describe('pairing code in the address', () => {
  test('takes the code from the fragment and removes it from the address bar, keeping the rest of the address', () => {
    window.history.replaceState(null, '', '/?profile=baseline#pair=K7QW-M2XD');
    expect(takePairingCode(window.location, window.history)).toBe('K7QW-M2XD');
    expect(window.location.hash).toBe('');
    expect(window.location.search).toBe('?profile=baseline');
  });

  test('a reload without the fragment finds no code (the cookie carries the sign-in, not the address)', () => {
    window.history.replaceState(null, '', '/');
    expect(takePairingCode(window.location, window.history)).toBeUndefined();
  });

  test('ignores other fragments and malformed codes', () => {
    window.history.replaceState(null, '', '/#token=abc');
    expect(takePairingCode(window.location, window.history)).toBeUndefined();
    window.history.replaceState(null, '', '/#pair=<script>');
    expect(takePairingCode(window.location, window.history)).toBeUndefined();
    expect(window.location.hash).toBe('#pair=%3Cscript%3E');
  });
});
