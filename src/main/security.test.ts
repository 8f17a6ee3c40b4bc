import { describe, expect, test } from 'vitest';
import { contentSecurityPolicy, isAllowedExternalUrl, isAppUrl, secureWebPreferences } from './security';

describe('desktop security policy', () => {
  test('every window is isolated, sandboxed and without Node', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });

  test('the CSP allows only the app itself and no eval', () => {
    expect(contentSecurityPolicy).toContain("default-src 'self'");
    expect(contentSecurityPolicy).toContain("script-src 'self'");
    expect(contentSecurityPolicy).toContain("object-src 'none'");
    expect(contentSecurityPolicy).not.toContain('unsafe-eval');
    expect(contentSecurityPolicy).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  test('only allowlisted https links may open in the system browser', () => {
    expect(isAllowedExternalUrl('https://github.com/Qubasa/vpn-bench')).toBe(true);
    expect(isAllowedExternalUrl('https://clan.lol/')).toBe(true);
    expect(isAllowedExternalUrl('http://github.com/')).toBe(false);
    expect(isAllowedExternalUrl('https://github.com.evil.example/')).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@github.com/')).toBe(false);
    expect(isAllowedExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false);
    expect(isAllowedExternalUrl('not a url')).toBe(false);
  });

  test('navigation is allowed only to the app own page or the dev server', () => {
    const origin = { rendererFileUrl: 'file:///app/out/renderer/index.html', devServerUrl: 'http://localhost:5173' };
    expect(isAppUrl('file:///app/out/renderer/index.html#x', origin)).toBe(true);
    expect(isAppUrl('http://localhost:5173/src/main.tsx', origin)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', origin)).toBe(false);
    expect(isAppUrl('https://evil.example/', origin)).toBe(false);
    expect(isAppUrl('http://localhost:5174/', origin)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', { rendererFileUrl: origin.rendererFileUrl })).toBe(false);
  });
});
