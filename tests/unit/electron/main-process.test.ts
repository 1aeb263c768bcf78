// The desktop shell's main process, run under Node with everything real but the `electron` module (a recording fake,
// tests/helpers/fake-electron.ts): it opens a real workspace, answers the renderer through the real service, and
// Electron's security checklist holds, asserted on the options and handlers main.ts itself registers.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { resolveElectronToFake } from '../../helpers/electron-as-fake.ts';
import { app, firstWindow, ipcMain, protocol, session, FakeWebContents } from '../../helpers/fake-electron.ts';
import { repoRoot } from '../../helpers/tmp.ts';
import { CONTENT_SECURITY_POLICY } from '../../../src/server/server.ts';
import { SERVICE_METHODS } from '../../../src/server/methods.ts';
import { WORKSPACE_FILE } from '../../../src/store/workspace.ts';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'segwork-shell-'));
after(() => rmSync(workspace, { recursive: true, force: true }));
process.env.SEGWORK_HOME = workspace;
resolveElectronToFake();
await import(pathToFileURL(path.join(repoRoot, 'electron', 'main.ts')).href);
const window = await firstWindow;

type Reply = { result?: unknown; error?: { name: string; message: string } };
const handler = ipcMain.handlers.get('segwork:call')!;
const fromUrl = (url: string | null) => ({ senderFrame: url === null ? null : { url } });
const call = (method: string, args: unknown[] = [], sender = 'segwork://app/index.html') => handler(fromUrl(sender), method, args) as Promise<Reply>;

test('the main process opens a real workspace and answers the page through the real service', async () => {
  assert.deepEqual([...ipcMain.handlers.keys()], ['segwork:call'], 'one IPC channel carries every call');
  assert.ok(existsSync(path.join(workspace, WORKSPACE_FILE)), 'the workspace lives where SEGWORK_HOME says');
  const before = (await call('listProjects')).result as { name: string }[];
  assert.ok(before.length >= 1, 'the sample project was seeded into the new workspace');
  const created = await call('createProject', ['from the shell', [{ name: 'background', color: '#000000' }, { name: 'cell', color: '#ff0000' }]]);
  assert.equal(created.error, undefined, JSON.stringify(created.error));
  const projects = (await call('listProjects')).result as { name: string }[];
  assert.ok(projects.some((p) => p.name === 'from the shell'));

  // Every method of the contract reaches the service's table (too many arguments is refused there, by name), and a
  // name outside it is refused as unknown; a user's mistake keeps its kind across IPC.
  for (const method of SERVICE_METHODS) {
    const reply = await call(method, Array(40).fill(null));
    assert.ok(reply.error && reply.error.name !== 'UnknownMethodError' && reply.error.message.includes(method), `${method}: ${JSON.stringify(reply)}`);
  }
  assert.equal((await call('dropEverything')).error?.name, 'UnknownMethodError');
  const missing = await call('getMask', [987654]);
  assert.equal(missing.error?.name, 'NotFoundError', JSON.stringify(missing));
});

test('IPC: calls from any other page or frame are refused before the service runs', async () => {
  for (const sender of ['https://evil.example/index.html', 'file:///tmp/page.html', 'segwork://app.evil.example/', 'segwork://other/index.html', '', null]) {
    await assert.rejects(call('createProject', [`foreign ${sender}`, [{ name: 'a', color: '#000000' }, { name: 'b', color: '#ffffff' }]], sender as string), /refused/, String(sender));
  }
  const projects = (await call('listProjects')).result as { name: string }[];
  assert.ok(!projects.some((p) => p.name.startsWith('foreign')), 'no refused call reached the workspace');
});

test('the window: context isolation, sandbox, no Node, web security, the preload bridge, our page', () => {
  const prefs = window.options.webPreferences;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  for (const risky of ['nodeIntegrationInWorker', 'nodeIntegrationInSubFrames', 'experimentalFeatures', 'enableBlinkFeatures']) {
    assert.ok(!prefs[risky], `${risky} stays off`);
  }
  assert.equal(prefs.preload, path.join(repoRoot, 'electron', 'dist', 'preload.cjs'));
  assert.equal(window.loadedURL, 'segwork://app/index.html');
});

test('navigation, new windows and <webview> are refused for every web contents', () => {
  const other = new FakeWebContents();
  app.emit('web-contents-created', {}, other);
  for (const contents of [window.webContents, other]) {
    assert.deepEqual(contents.windowOpenHandler?.({ url: 'https://evil.example/' }), { action: 'deny' });
    assert.deepEqual(contents.windowOpenHandler?.({ url: 'segwork://app/index.html' }), { action: 'deny' });
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'segwork://other/', 'javascript:alert(1)']) {
      assert.equal(contents.emit('will-navigate', { url }).defaultPrevented, true, `navigate to ${url}`);
      assert.equal(contents.emit('will-redirect', { url }).defaultPrevented, true, `redirect to ${url}`);
    }
    assert.equal(contents.emit('will-navigate', { url: 'segwork://app/index.html#metrics' }).defaultPrevented, false, 'our own page may reload');
    assert.equal(contents.emit('will-attach-webview', {}).defaultPrevented, true);
  }
});

test('every permission is refused, asked or checked', async () => {
  const { permissionRequestHandler, permissionCheckHandler } = session.defaultSession;
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem']) {
    const granted = await new Promise<boolean>((resolve) => permissionRequestHandler!(window.webContents, permission, resolve));
    assert.equal(granted, false, permission);
    assert.equal(permissionCheckHandler!(window.webContents, permission), false, permission);
  }
});

test('the segwork:// scheme serves only the built renderer, with the strict CSP', async () => {
  assert.deepEqual(protocol.privilegedSchemes, [{ scheme: 'segwork', privileges: { standard: true, secure: true, supportFetchAPI: true } }], 'no bypassCSP, no corsEnabled');
  for (const directive of ["script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) assert.ok(CONTENT_SECURITY_POLICY.includes(directive), directive);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-(inline|eval)/);
  const serve = protocol.handlers.get('segwork')!;
  for (const url of ['segwork://other/index.html', 'segwork://app/../../package.json', 'segwork://app/%2e%2e/%2e%2e/package.json', 'segwork://app/no-such-file.js']) {
    assert.equal((await serve(new Request(url))).status, 404, url);
  }
});

test('the built page is served with the CSP', { skip: !existsSync(path.join(repoRoot, 'renderer', 'dist', 'index.html')) && 'renderer/dist is not built (npm run build:renderer)' }, async () => {
  const page = await protocol.handlers.get('segwork')!(new Request('segwork://app/index.html'));
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
});

test('the preload is one sandbox-ready file that requires only electron and exposes only the typed bridge', async () => {
  const { buildPreload } = await import('../../../electron/build-preload.mjs');
  const bundle = readFileSync(await buildPreload(), 'utf8');
  const required: string[] = [];
  const exposed = new Map<string, Record<string, unknown>>();
  const invoked: unknown[][] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: Record<string, unknown>) => exposed.set(name, api) },
    ipcRenderer: { invoke: (...args: unknown[]) => (invoked.push(args), Promise.resolve({ result: 1 })), on() {}, removeListener() {} },
  };
  const sandboxRequire = (name: string) => (required.push(name), name === 'electron' ? electron : undefined);
  new Function('require', 'module', 'exports', bundle)(sandboxRequire, { exports: {} }, {});
  assert.deepEqual(required, ['electron']);
  assert.deepEqual([...exposed.keys()], ['segwork']);
  assert.deepEqual(Object.keys(exposed.get('segwork')!).sort(), ['invoke', 'onJobEvent']);
  await (exposed.get('segwork')!.invoke as (m: string, a: unknown[]) => Promise<unknown>)('listProjects', []);
  assert.deepEqual(invoked, [['segwork:call', 'listProjects', []]], 'calls travel on the one checked channel');
});

test('quitting waits for the core to close the workspace', async () => {
  const quitsBefore = app.quitCalls;
  assert.equal(app.emit('will-quit').defaultPrevented, true, 'the first quit waits');
  while (app.quitCalls === quitsBefore) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(app.emit('will-quit').defaultPrevented, false, 'once closed, quitting goes through');
});
