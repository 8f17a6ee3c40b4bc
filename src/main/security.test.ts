import { describe, expect, test } from 'vitest';
import { appEntryUrl, appSchemePrivileges, contentSecurityPolicy, isAllowedExternalUrl, isAppUrl, secureWebPreferences } from './security';

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

  test('the app is served from app://renderer, a standard and secure scheme that cannot bypass the CSP', () => {
    expect(appEntryUrl).toBe('app://renderer/index.html');
    expect(appSchemePrivileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true, codeCache: true });
    expect(appSchemePrivileges).toMatchObject({ bypassCSP: false, corsEnabled: false, allowServiceWorkers: false, stream: false });
  });

  test('the app own origin is trusted, whatever its path, query or fragment', () => {
    const urls = [appEntryUrl, 'app://renderer/index.html#/deploy', 'app://renderer/index.html?profile=low', 'app://renderer/', 'app://renderer/assets/worker-abc123.js', 'app://RENDERER/index.html'];
    expect(urls.filter((url) => !isAppUrl(url))).toEqual([]);
  });

  test('file:// is never trusted, not even the built renderer', () => {
    const urls = ['file:///app/out/renderer/index.html', 'file:///opt/Clan%20Network%20Designer/resources/app.asar/out/renderer/index.html', 'file:///etc/passwd', 'file://renderer/index.html'];
    expect(urls.filter((url) => isAppUrl(url) || isAppUrl(url, { devServerUrl: 'http://localhost:5173' }))).toEqual([]);
  });

  test('other hosts, ports, credentials and schemes are not the app', () => {
    const trusted = [
      'app://evil/index.html',
      'app://renderer.evil.example/index.html',
      'app://renderer:8080/index.html',
      'app://user@renderer/index.html',
      'app://renderer@evil/index.html',
      'app:renderer/index.html',
      'app:///index.html',
      'apps://renderer/index.html',
      'https://renderer/index.html',
      'http://localhost:5173/',
      'https://evil.example/',
      'data:text/html,<h1>x</h1>',
      'about:blank',
      'javascript:alert(1)',
      'not a url',
      '',
    ].filter((url) => isAppUrl(url));
    expect(trusted).toEqual([]);
  });

  test('the dev server origin is trusted only when given, and only that origin', () => {
    const dev = { devServerUrl: 'http://localhost:5173' };
    expect(isAppUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5173/src/main.tsx?t=1', dev)).toBe(true);
    expect(isAppUrl(appEntryUrl, dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppUrl('https://localhost:5173/', dev)).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/', dev)).toBe(false);
    expect(isAppUrl('http://localhost:5173/')).toBe(false);
  });

  test('a dev server address without a real origin trusts nothing extra', () => {
    // Opaque origins all serialize as "null"; comparing them would trust any data: or file: page.
    for (const devServerUrl of ['file:///tmp/index.html', 'data:text/html,x', 'not a url']) {
      expect(isAppUrl('data:text/html,<h1>x</h1>', { devServerUrl })).toBe(false);
      expect(isAppUrl('file:///etc/passwd', { devServerUrl })).toBe(false);
    }
  });
});
