import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, session as electronSession, shell } from 'electron';
import { createBridgeHandlers } from '../core/bridge-handlers.ts';
import { CredentialsStore, posternConfigDir } from '../core/credentials-store.ts';
import { DesktopSession } from '../core/session.ts';
import { localShellFrom } from '../core/terminal-sessions-local.ts';
import { createLiveServices } from '../core/terminal-sessions-services.ts';
import { sendBridgeEvent, serveBridge } from './ipc.ts';
import { CONTENT_SECURITY_POLICY, isExternalLink, secureWebPreferences } from './security.ts';

/**
 * The Electron main process: the composition root of the app (Teleport's appContext). It wires
 * the core by hand, serves the bridge, and opens one locked-down window.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
// Built layout: out/main/main.js, out/preload/preload.cjs, out/renderer/index.html.
const preloadPath = join(here, '..', 'preload', 'preload.cjs');
const devServerUrl = app.isPackaged ? undefined : process.env.POSTERN_RENDERER_URL;
const appUrl = devServerUrl ?? pathToFileURL(join(here, '..', 'renderer', 'index.html')).toString();

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280, height: 820, minWidth: 900, minHeight: 600, show: false, title: 'Postern',
    backgroundColor: '#0f1115',
    webPreferences: secureWebPreferences(preloadPath),
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void window.loadURL(appUrl);
  return window;
}

async function start(): Promise<void> {
  await app.whenReady();
  // The page carries the same policy in a <meta> tag; the header also covers the dev server.
  electronSession.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  electronSession.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const dataDir = posternConfigDir({ env: process.env, platform: process.platform, homeDir: homedir() });
  const store = new CredentialsStore(dataDir);
  let window: BrowserWindow | undefined;
  const desktopSession = new DesktopSession({
    store,
    onChange: (signedIn) => { if (window) sendBridgeEvent(window.webContents, 'session.changed', { signedIn }); },
  });
  const live = createLiveServices({
    dataDir, shell: localShellFrom(process.env, process.platform, homedir()),
    emit: (event, payload) => { if (window) sendBridgeEvent(window.webContents, event, payload); },
  });
  // Quitting waits for the open sessions to be ended on the server (bounded by the session-end
  // timeout), so the gateways complete their recordings now rather than at the sessions' end times.
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closed = true;
    void live.close().finally(() => app.quit());
  });
  serveBridge(createBridgeHandlers(desktopSession, live), appUrl);
  window = createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}

void start();
