import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDispatcher } from '../core/rpc/dispatch';
import { appRootFrom, createWorkstation, importSamplesIfEmpty, type Workstation } from '../core/workstation';
import { defaultCataloguePath } from '../core/paths';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, contentSecurityPolicy, isAppUrl, secureWebPreferences } from './security';

// The Electron shell: windows, menus, dialogs and the app:// protocol around the same core the browser
// host and the CLI use. No behaviour lives here.

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

const appRoot = appRootFrom(__dirname);
const rendererDir = join(appRoot, 'out', 'renderer');
let workstation: Workstation | null = null;

function serveApp(): void {
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    if (url.pathname.startsWith('/resources/')) {
      const r = await workstation!.resources.get(decodeURIComponent(url.pathname.slice('/resources/'.length)));
      return new Response(new Uint8Array(r.body), { status: r.status, headers: { 'Content-Type': r.contentType } });
    }
    const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(rendererDir, relative));
    if (!file.startsWith(rendererDir + sep) || !existsSync(file)) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    if (file.endsWith('.html')) headers.set('Content-Security-Policy', csp);
    return new Response(response.body, { status: response.status, headers });
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#111418',
    title: 'Lesion Workstation',
    show: false,
    webPreferences: secureWebPreferences(join(__dirname, '..', 'preload', 'index.js')),
  });
  win.once('ready-to-show', () => win.show());
  // No new windows, no navigation away from the app; external links open in the system browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  const catalogPath = process.env.LESION_WS_DB || defaultCataloguePath();
  workstation = createWorkstation({
    catalogPath,
    appRoot,
    pickFolders: async () => {
      const focused = BrowserWindow.getFocusedWindow();
      const options = { properties: ['openDirectory', 'multiSelections'] as ('openDirectory' | 'multiSelections')[] };
      const result = focused ? await dialog.showOpenDialog(focused, options) : await dialog.showOpenDialog(options);
      return result.canceled ? [] : result.filePaths;
    },
  });
  const dispatch = createDispatcher(workstation.api);
  ipcMain.handle('workstation:rpc', (event, service: unknown, method: unknown, args: unknown) => {
    if (!event.senderFrame || !isAppUrl(event.senderFrame.url)) {
      return { ok: false, error: { code: 'unauthorized', message: 'IPC from an unknown frame' } };
    }
    return dispatch(service, method, args);
  });
  workstation.events.on((name, payload) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send('workstation:event', name, payload);
  });
  serveApp();
  Menu.setApplicationMenu(null);
  createWindow();
  await importSamplesIfEmpty(workstation, appRoot);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', (event) => {
  if (!workstation) return;
  event.preventDefault();
  const closing = workstation;
  workstation = null;
  void closing.close().finally(() => app.exit(0));
});

void start();
