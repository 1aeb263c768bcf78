// Electron composition root: the same core as `segwork serve`, wired to one sandboxed window. The renderer is
// served from a custom segwork:// scheme (not file://) so every response carries the strict CSP, and it reaches
// the core only through the preload's typed bridge. tfjs work runs in the core's worker threads, so this
// process never blocks on training.
import { app, BrowserWindow, ipcMain, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toErrorPayload } from '../src/api/errors.ts';
import { createWorkbench, type Workbench } from '../src/use-cases/workbench.ts';
import { callServiceMethod } from '../src/server/methods.ts';
import { CONTENT_SECURITY_POLICY } from '../src/server/server.ts';
import { contentType, resolveStatic } from '../src/server/static-files.ts';
import { resolveWorkspaceDir } from '../src/store/location.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RENDERER_DIST = path.join(ROOT, 'renderer', 'dist');
const PRELOAD = path.join(ROOT, 'electron', 'dist', 'preload.cjs');
const SCHEME = 'segwork';
const ORIGIN = `${SCHEME}://app`;

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let workbench: Workbench | null = null;

async function serveRenderer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const file = url.host === 'app' ? await resolveStatic(RENDERER_DIST, url.pathname) : null;
  if (!file) return new Response('Not found', { status: 404 });
  const headers: Record<string, string> = { 'content-type': contentType(file), 'x-content-type-options': 'nosniff' };
  if (file.endsWith('.html')) headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
  return new Response(await readFile(file), { headers });
}

/** Only our own page may call the core. */
function fromOurPage(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return url.startsWith(`${ORIGIN}/`);
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
      preload: PRELOAD,
    },
  });
  const unsubscribe = core.onJobEvent((event) => {
    if (!window.isDestroyed()) window.webContents.send('segwork:job', event);
  });
  window.on('closed', unsubscribe);
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${ORIGIN}/`)) event.preventDefault();
  });
  void window.loadURL(`${ORIGIN}/index.html`);
  return window;
}

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
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
