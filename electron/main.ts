// Electron composition root: the same core as `segwork serve`, wired to one sandboxed window. The renderer is
// served from a custom segwork:// scheme (not file://) so every response carries the strict CSP, and it reaches
// the core only through the preload's typed bridge. tfjs work runs in the core's worker threads, so this
// process never blocks on training.
import { app, BrowserWindow, ipcMain, protocol, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toErrorPayload } from '../src/api/errors.ts';
import { createWorkbench, type Workbench } from '../src/use-cases/workbench.ts';
import { callServiceMethod } from '../src/server/methods.ts';
import { CONTENT_SECURITY_POLICY } from '../src/server/server.ts';
import { contentType, resolveStatic } from '../src/server/static-files.ts';
import { resolveWorkspaceDir } from '../src/store/location.ts';
import { electronSqlitePath } from './native-sqlite.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RENDERER_DIST = path.join(ROOT, 'renderer', 'dist');
const PRELOAD = path.join(ROOT, 'electron', 'dist', 'preload.cjs');
const SCHEME = 'segwork';
const ORIGIN = `${SCHEME}://app`;

useElectronSqlite();
protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let workbench: Workbench | null = null;

/**
 * Points better-sqlite3 (src/store/workspace.ts) at its build for this Electron's ABI; the one in node_modules is
 * built for Node. Under plain Node (this module's test) there is nothing to swap.
 */
function useElectronSqlite(): void {
  const version = process.versions.electron;
  if (!version) return;
  const addon = electronSqlitePath(version);
  if (!existsSync(addon)) {
    throw new Error(`better-sqlite3 has not been built for Electron ${version} (${addon} is missing): start Segwork with \`npm start\`, or run \`node electron/native-sqlite.mjs\``);
  }
  process.env.SEGWORK_SQLITE_BINDING = addon;
}

async function serveRenderer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  // A renderer that was never built answers 404 like any missing file, not a failed handler.
  const file = url.host === 'app' ? await resolveStatic(RENDERER_DIST, url.pathname).catch(() => null) : null;
  if (!file) return new Response('Not found', { status: 404 });
  const headers: Record<string, string> = { 'content-type': contentType(file), 'x-content-type-options': 'nosniff' };
  if (file.endsWith('.html')) headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
  return new Response(await readFile(file), { headers });
}

const isOurPage = (url: string) => url.startsWith(`${ORIGIN}/`);

/** Only our own page may call the core. */
function fromOurPage(event: IpcMainInvokeEvent): boolean {
  return isOurPage(event.senderFrame?.url ?? '');
}

/**
 * Every web contents, whatever creates it: no new windows, no navigation away from our page (a dropped file or a
 * link would otherwise replace the app), no <webview>.
 */
function guardContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!isOurPage(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isOurPage(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function createWindow(core: Workbench): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Segwork',
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: PRELOAD,
    },
  });
  const unsubscribe = core.onJobEvent((event) => {
    if (!window.isDestroyed()) window.webContents.send('segwork:job', event);
  });
  window.on('closed', unsubscribe);
  void window.loadURL(`${ORIGIN}/index.html`);
  return window;
}

app.on('web-contents-created', (_event, contents) => guardContents(contents));

app.whenReady().then(async () => {
  // The workbench needs no camera, microphone, location, notifications or other browser permission: refuse all,
  // both when the page asks and when it checks.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  protocol.handle(SCHEME, serveRenderer);
  workbench = await createWorkbench({ workspaceDir: resolveWorkspaceDir(), seedSample: true });
  ipcMain.handle('segwork:call', async (event, method: unknown, args: unknown) => {
    if (!fromOurPage(event)) throw new Error('refused: the call did not come from the Segwork page');
    if (typeof method !== 'string') throw new TypeError('method name must be a string');
    // Electron keeps only a thrown error's message, so a failed call is a reply that carries the error's kind.
    try {
      return { result: await callServiceMethod(workbench!, method, args) };
    } catch (error) {
      return { error: toErrorPayload(error) };
    }
  });
  createWindow(workbench);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && workbench) createWindow(workbench);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', (event) => {
  if (!workbench) return;
  // Let the core finish its workers and close SQLite before the process ends.
  event.preventDefault();
  const closing = workbench;
  workbench = null;
  void closing.close().finally(() => app.quit());
});
