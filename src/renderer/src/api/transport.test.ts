// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';
import { takeServeToken } from './transport';

describe('serve-mode token handling in the page', () => {
  test('takes the token from the fragment, keeps it for the tab and removes it from the address bar', () => {
    window.history.replaceState(null, '', '/?profile=baseline#token=abc_DEF-123');
    const token = takeServeToken(window.location, window.sessionStorage, window.history);
    expect(token).toBe('abc_DEF-123');
    expect(window.location.hash).toBe('');
    expect(window.location.search).toBe('?profile=baseline');
    expect(window.sessionStorage.getItem('clan-designer.token')).toBe('abc_DEF-123');
  });

  test('a reload without the fragment reuses the token kept for the tab', () => {
    window.sessionStorage.setItem('clan-designer.token', 'kept-token');
    window.history.replaceState(null, '', '/');
    expect(takeServeToken(window.location, window.sessionStorage, window.history)).toBe('kept-token');
  });

  test('without a token anywhere it reports none, so the page can explain how to get in', () => {
    window.sessionStorage.clear();
    window.history.replaceState(null, '', '/#other=1');
    expect(takeServeToken(window.location, window.sessionStorage, window.history)).toBeUndefined();
  });
});
