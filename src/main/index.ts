import { app, BrowserWindow, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { serveAppRequest } from './appProtocol';
import { registerIpc } from './ipc/registerIpc';
import { createBackend } from './rpc/createBackend';
import { defaultServeFolders, resolveProjectFolders } from './services/projectFiles';
import { appEntryUrl, appScheme, appSchemePrivileges, contentSecurityPolicy, isAppUrl, secureWebPreferences } from './security';

// The desktop entry point. Everything privileged lives in services behind the shared contract; this file only
// wires Electron to them and applies the security checklist (STYLE.md section 10).

const here = import.meta.dirname;
const rendererDir = join(here, '../renderer');
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const isTrustedUrl = (url: string): boolean => isAppUrl(url, { devServerUrl });

// The renderer is served from app://renderer/ instead of file:// (see security.ts). Schemes can only be made
// privileged before the app is ready.
protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: appSchemePrivileges }]);

/** Built once the app is ready: the folders come from app.getPath, which is only dependable after that. */
let backend: ReturnType<typeof createBackend>;

function createServices(): ReturnType<typeof createBackend> {
  // Design files go to Documents/Clan Designs; the same environment variables as serve mode can move both folders.
  const folders = resolveProjectFolders({}, process.env, { workspaceDir: join(app.getPath('documents'), 'Clan Designs'), dataDir: app.getPath('userData') }, homedir(), process.cwd());
  // The age key is shared with serve mode and the CLI (their data folder), so deploying the same design from either
  // uses the same admin key for its secrets.
  const ageKeyDir = resolveProjectFolders({}, process.env, defaultServeFolders(process.env, homedir()), homedir(), process.cwd()).dataDir;
  // The assistant's API key is encrypted with the system keyring (safeStorage); without one it is refused, not kept
  // in a form anyone could read (settings.ts).
  return createBackend({ mode: 'electron', openExternal: (url) => shell.openExternal(url), ...folders, ageKeyDir, assistant: { keyStorage: { kind: 'encrypted', encryption: safeStorage } } });
}

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Clan Network Designer',
    webPreferences: secureWebPreferences(join(here, '../preload/index.cjs')),
  });
  window.once('ready-to-show', () => window.show());

  // Checklist 13 and 14: no navigation away from the app, no new windows. Allowed links go to the system browser
  // only through the openExternal operation, which checks its own allowlist.
  window.webContents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));

  // Forward main -> renderer events of the contract to this window while it exists.
  const disconnect = backend.services.events.connect((channel, payload) => {
    if (!window.isDestroyed()) window.webContents.send(channel, payload);
  });
  window.on('closed', disconnect);

  void window.loadURL(devServerUrl ?? appEntryUrl);
  return window;
}

app.on('web-contents-created', (_event, contents) => {
  // Checklist 11 and 12: the app uses no webviews.
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

void app.whenReady().then(() => {
  backend = createServices();
  // Checklist 5: deny every permission request (camera, notifications, geolocation, ...).
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // Only files of the built renderer, each with its CSP header; the window uses the default session.
  protocol.handle(appScheme, async (request) => {
    const answer = await serveAppRequest(rendererDir, request.method, request.url);
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });
  // Checklist 7: the CSP also comes as a header, in addition to the meta tag in index.html; this covers the dev
  // server, whose responses main does not write.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });

  registerIpc(ipcMain, backend.dispatch, isTrustedUrl);
  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Jobs still running (a check) are cancelled, so their remote commands are stopped rather than cut off.
app.on('before-quit', () => backend?.services.jobs.dispose());
