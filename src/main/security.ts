/**
 * Pure security policy for the desktop shell: which URLs the window may show, which links may open in the
 * system browser, and the webPreferences every window gets. Kept free of Electron imports so it is unit-tested.
 */

/** Hosts whose https pages may be opened in the system browser (documentation and credits only). */
export const externalUrlAllowlist: readonly string[] = [
  'clan.lol',
  'docs.clan.lol',
  'git.clan.lol',
  'github.com',
  'nixos.org',
  'search.nixos.org',
  'tailscale.com',
  'headscale.net',
  'zerotier.com',
  'www.wireguard.com',
  'nebula.defined.net',
  'www.tinc-vpn.org',
  'yggdrasil-network.github.io',
  'vpncloud.ddswd.de',
  'easytier.cn',
];

/** Whether a link may be handed to the system browser: https only, host on the allowlist, no credentials. */
export function isAllowedExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  if (url.username !== '' || url.password !== '') return false;
  if (url.port !== '') return false;
  return externalUrlAllowlist.includes(url.hostname.toLowerCase());
}

/**
 * Whether a URL belongs to the app itself: the packaged renderer (file:// under the renderer folder) or the
 * electron-vite dev server. Used for will-navigate and to validate IPC senders.
 */
export function isAppUrl(raw: string, appOrigin: { rendererFileUrl?: string; devServerUrl?: string }): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (appOrigin.devServerUrl !== undefined) {
    const dev = new URL(appOrigin.devServerUrl);
    if (url.origin === dev.origin) return true;
  }
  if (appOrigin.rendererFileUrl !== undefined && url.protocol === 'file:') {
    const base = new URL(appOrigin.rendererFileUrl);
    // Compare the document path without query or hash: only the app's own index.html is trusted.
    return url.pathname === base.pathname;
  }
  return false;
}

/** webPreferences for every window (Electron security checklist items 2-4, 6, 8-10). */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/** Content-Security-Policy for the renderer, sent as a header by serve mode and as a meta tag in index.html. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  // React Flow and our components set inline style attributes; no inline scripts are allowed.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
