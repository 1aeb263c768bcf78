// The HTTP carrier in front of the real workbench (real SQLite in a temp workspace): calls by method name with
// JSON arguments, errors as one readable message, and the event stream's framing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { createWorkbench, type Workbench } from '../../../src/api/workbench.ts';
import type { MaskPayload } from '../../../src/api/service.ts';
import type { ImageInfo, ProjectInfo } from '../../../src/api/types.ts';
import { parseServeArgs } from '../../../src/cli/serve.ts';
import { startServer, type RunningServer } from '../../../src/server/server.ts';
import { base64ToBytes, bytesToBase64 } from '../../../src/labels/index.ts';

let dir: string;
let workbench: Workbench;
let server: RunningServer;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'segwork-api-'));
  workbench = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  server = await startServer({ service: workbench, staticDir: dir, port: 0 });
});

after(async () => {
  await server.close();
  await workbench.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, body: string): Promise<{ status: number; json: { result?: unknown; error?: string } }> {
  const response = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-segwork-token': server.token },
    body,
  });
  return { status: response.status, json: (await response.json()) as { result?: unknown; error?: string } };
}

test('methods are called by name with a JSON array of arguments', async () => {
  const created = await call('createProject', JSON.stringify(['Cells', [{ name: 'background', color: '#000000' }, { name: 'cell', color: '#ff0000' }]]));
  assert.equal(created.status, 200);
  const project = created.json.result as ProjectInfo;
  assert.deepEqual(project.classes.map((c) => c.name), ['background', 'cell']);
  const listed = await call('listProjects', '[]');
  assert.deepEqual((listed.json.result as ProjectInfo[]).map((p) => p.id), [project.id]);

  // An uploaded 4x3 image, a stroke saved as a patch, and the mask read back.
  const png = new PNG({ width: 4, height: 3 });
  png.data.fill(128);
  const uploaded = await call('uploadImage', JSON.stringify([project.id, 'tiny.png', PNG.sync.write(png).toString('base64')]));
  assert.equal(uploaded.status, 200, uploaded.json.error);
  const image = uploaded.json.result as ImageInfo;
  const patch = { x: 1, y: 1, width: 2, height: 1, data: bytesToBase64(Uint8Array.of(1, 0)) };
  const saved = await call('saveMaskPatches', JSON.stringify([image.id, 0, [patch]]));
  assert.equal(saved.status, 200, saved.json.error);
  const mask = (await call('getMask', JSON.stringify([image.id]))).json.result as MaskPayload;
  assert.deepEqual(Array.from(base64ToBytes(mask.data)), [255, 255, 255, 255, 255, 1, 0, 255, 255, 255, 255, 255]);
});

test('bad requests answer with one readable message', async () => {
  const notJson = await call('listProjects', '{oops');
  assert.equal(notJson.status, 400);
  assert.match(notJson.json.error!, /^request body of listProjects: /);
  const notArray = await call('listProjects', '{"a":1}');
  assert.equal(notArray.status, 400);
  assert.equal(notArray.json.error, 'arguments of listProjects must be a JSON array');
  const failed = await call('getMask', '[987654]');
  assert.notEqual(failed.status, 200);
  assert.match(failed.json.error!, /987654/);
});

test('the event stream opens as server-sent events', async () => {
  const firstChunk = await new Promise<{ type: string | undefined; text: string }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { 'x-segwork-token': server.token } }, (res) => {
      res.once('data', (chunk: Buffer) => {
        resolve({ type: res.headers['content-type'], text: chunk.toString() });
        req.destroy();
      });
    });
    req.on('error', reject);
  });
  assert.equal(firstChunk.type, 'text/event-stream; charset=utf-8');
  assert.match(firstChunk.text, /^retry: 1000\n: connected\n\n/);
});

test('serve options: port, workspace and open', () => {
  const args = parseServeArgs(['--port', '0', '--workspace', 'ws', '--open']);
  assert.equal(args.port, 0);
  assert.equal(args.workspace, path.resolve('ws'));
  assert.equal(args.defaultWorkspace, false);
  assert.equal(args.open, true);
  assert.equal(parseServeArgs([]).defaultWorkspace, true);
  assert.throws(() => parseServeArgs(['--port', '70000']), /--port must be an integer from 0 to 65535/);
  assert.throws(() => parseServeArgs(['--bogus']), /unknown option "--bogus"/);
});
