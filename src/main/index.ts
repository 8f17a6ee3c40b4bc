import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerIpc } from './ipc/registerIpc';
import { createBackend } from './rpc/createBackend';
import { resolveProjectFolders } from './services/projectFiles';
import { contentSecurityPolicy, isAppUrl, secureWebPreferences } from './security';

// The desktop entry point. Everything privileged lives in services behind the shared contract; this file only
// wires Electron to them and applies the security checklist (STYLE.md section 10).

const here = import.meta.dirname;
const rendererFile = join(here, '../renderer/index.html');
const appOrigin = {
  rendererFileUrl: pathToFileURL(rendererFile).href,
  devServerUrl: !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined,
};
const isTrustedUrl = (url: string): boolean => isAppUrl(url, appOrigin);

/** Built once the app is ready: the folders come from app.getPath, which is only dependable after that. */
let backend: ReturnType<typeof createBackend>;

function createServices(): ReturnType<typeof createBackend> {
  // Design files go to Documents/Clan Designs; the same environment variables as serve mode can move both folders.
  const folders = resolveProjectFolders({}, process.env, { workspaceDir: join(app.getPath('documents'), 'Clan Designs'), dataDir: app.getPath('userData') }, homedir(), process.cwd());
  return createBackend({ mode: 'electron', openExternal: (url) => shell.openExternal(url), ...folders });
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

  if (appOrigin.devServerUrl !== undefined) void window.loadURL(appOrigin.devServerUrl);
  else void window.loadFile(rendererFile);
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
  // Checklist 7: the CSP also comes as a header, in addition to the meta tag in index.html.
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

// A check still running is cancelled, so its remote commands are stopped rather than cut off.
app.on('before-quit', () => backend?.services.checkJobs.dispose());
