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
 * The renderer is served from its own privileged scheme instead of file:// (Electron security checklist: "avoid
 * the file protocol and prefer custom protocols"). Electron grants file:// pages more than a browser does (fetching
 * any other file:// URL, access between file:// frames), and any local HTML file is a file:// page too;
 * app://renderer is one origin that reaches nothing but the built renderer, so 'self' in the CSP, the navigation
 * checks and the IPC sender checks all mean exactly the app. The packaged binary also loses those file:// extras
 * (the grantFileProtocolExtraPrivileges fuse in electron-builder.json).
 * The host names the one thing served; main/appProtocol.ts maps its paths to files under out/renderer.
 */
export const appScheme = 'app';
export const appHost = 'renderer';
export const appEntryUrl = `${appScheme}://${appHost}/index.html`;

/**
 * Privileges for protocol.registerSchemesAsPrivileged. standard: parsed like http (host, relative URLs, a real
 * origin for module scripts, lazily loaded chunks and workers); secure: a secure context like https; fetch allowed
 * on it; V8 code cache for the large bundle, which needs standard. Deliberately not bypassCSP (the CSP must
 * apply), not corsEnabled (no other origin may read the app's files), no service workers and no streaming: the
 * app serves small whole files and no media.
 */
export const appSchemePrivileges = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
  bypassCSP: false,
  corsEnabled: false,
  allowServiceWorkers: false,
  stream: false,
} as const;

/** Whether a parsed URL is on the app's own origin (app://renderer, no port, no credentials). */
export function isAppOrigin(url: URL): boolean {
  // The WHATWG parser keeps the host of a scheme it does not know as written; Chromium, which knows app: is
  // standard, lowercases it, so both spellings are the same origin.
  return url.protocol === `${appScheme}:` && url.hostname.toLowerCase() === appHost && url.port === '' && url.username === '' && url.password === '';
}

/**
 * Whether a URL belongs to the app itself: its own origin app://renderer, or in development the electron-vite dev
 * server's origin. file:// is never trusted. Used for will-navigate and to validate IPC senders.
 */
export function isAppUrl(raw: string, options: { devServerUrl?: string } = {}): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (isAppOrigin(url)) return true;
  if (options.devServerUrl === undefined) return false;
  try {
    const dev = new URL(options.devServerUrl);
    return (dev.protocol === 'http:' || dev.protocol === 'https:') && url.origin === dev.origin;
  } catch {
    return false;
  }
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

/** Content-Security-Policy for the renderer: a header from serve mode and from app://, and a meta tag in index.html. */
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
