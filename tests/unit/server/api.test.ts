// The HTTP carrier in front of the real workbench (real SQLite in a temp workspace): calls by method name with
// JSON arguments, errors as one readable message, and the event stream's framing.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { createWorkbench, type Workbench } from '../../../src/use-cases/workbench.ts';
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

async function call(method: string, body: string, at = server): Promise<{ status: number; json: { result?: unknown; error?: string; name?: string } }> {
  const response = await fetch(`http://127.0.0.1:${at.port}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-segwork-token': at.token },
    body,
  });
  return { status: response.status, json: (await response.json()) as { result?: unknown; error?: string; name?: string } };
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

/** A project with one uploaded 4×3 grey image, for tests that need real ids. */
async function tinyImage(projectName: string): Promise<ImageInfo> {
  const project = (await call('createProject', JSON.stringify([projectName, [{ name: 'background', color: '#000000' }, { name: 'cell', color: '#ff0000' }]]))).json.result as ProjectInfo;
  const png = new PNG({ width: 4, height: 3 });
  png.data.fill(128);
  return (await call('uploadImage', JSON.stringify([project.id, 'tiny.png', PNG.sync.write(png).toString('base64')]))).json.result as ImageInfo;
}

test('a wrong or missing argument is a 400 that names the method and the argument', async () => {
  const cases: [string, unknown[], string][] = [
    ['getMask', ['abc'], 'getMask: argument imageId must be a positive integer, got "abc"'],
    ['uploadImage', [1, 'a.png'], 'uploadImage: argument base64 must be a string, got nothing'],
    ['getMask', [1, 0, 5], 'getMask: argument axis must be one of 0, 1, 2, got 5'],
    ['listImages', [{ projectId: 1, sort: 'size' }], 'listImages: argument query.sort must be one of "name", "labeledFraction", "uncertainty", "addedAt", got "size"'],
    ['saveMaskPatches', [1, 0, [{ x: 0, y: 0, width: 1, height: '1', data: '' }]], 'saveMaskPatches: argument patches[0].height must be an integer, got "1"'],
    ['labeledSlices', [1, 2], 'labeledSlices(imageId) was called with 2 arguments'],
    ['startTraining', [1, { weightMap: { foregroundClass: 1, w0: 10, sigma: -5 } }], 'startTraining: argument options.weightMap.sigma must be a number in [0.1, 100], got -5'],
    ['startTraining', [1, { elasticSigma: -1 }], 'startTraining: argument options.elasticSigma must be a number in [0, 100], got -1'],
    ['weightMap', [{ imageId: 1, foregroundClass: 1, w0: -10 }], 'weightMap: argument request.w0 must be a number in [0, 1000], got -10'],
  ];
  for (const [method, args, message] of cases) {
    const reply = await call(method, JSON.stringify(args));
    assert.equal(reply.status, 400, `${method} ${JSON.stringify(args)}`);
    assert.equal(reply.json.error, message);
  }
  const misspelt = await call('startTraining', JSON.stringify([1, { architecture: 'unet', epoch: 3 }]));
  assert.equal(misspelt.status, 400);
  assert.match(misspelt.json.error!, /^startTraining: argument options has an unknown field "epoch" \(fields: .*epochs/);
});

test('null stands for a left-out argument, as JSON cannot leave a hole', async () => {
  const image = await tinyImage('Nulls');
  const mask = await call('getMask', JSON.stringify([image.id, null, 2]));
  assert.equal(mask.status, 200, mask.json.error);
  assert.equal((mask.json.result as MaskPayload).width, 4);
});

test('an id that does not exist is a 404 naming it', async () => {
  const cases: [string, unknown[], RegExp][] = [
    ['getMask', [987654], /^image 987654 does not exist$/],
    ['displayImage', [987654], /^image 987654 does not exist$/],
    ['exportLabels', [987654, 'png'], /^image 987654 does not exist$/],
    ['predict', [987654, 1], /^model 987654 does not exist$/],
    ['listEncoders', [987654], /^project 987654 does not exist$/],
    ['startTraining', [987654, {}], /^project 987654 does not exist$/],
  ];
  for (const [method, args, message] of cases) {
    const reply = await call(method, JSON.stringify(args));
    assert.equal(reply.status, 404, `${method}: ${reply.json.error}`);
    assert.match(reply.json.error!, message);
    assert.equal(reply.json.name, 'NotFoundError');
  }
});

test('a patch that does not fit the mask, or paints a class the project lacks, is a 400', async () => {
  const image = await tinyImage('Patches');
  const outside = await call('saveMaskPatches', JSON.stringify([image.id, 0, [{ x: 3, y: 0, width: 2, height: 1, data: bytesToBase64(Uint8Array.of(1, 1)) }]]));
  assert.equal(outside.status, 400, outside.json.error);
  assert.match(outside.json.error!, /does not fit the 4×3 plane/);
  const noSuchClass = await call('saveMaskPatches', JSON.stringify([image.id, 0, [{ x: 0, y: 0, width: 1, height: 1, data: bytesToBase64(Uint8Array.of(7)) }]]));
  assert.equal(noSuchClass.status, 400, noSuchClass.json.error);
  assert.match(noSuchClass.json.error!, /uses class 7 but the project has 2 classes/);
});

test('a programming error in the core is a 500, even when it is a TypeError', async (t) => {
  // The server takes any SegworkService: one whose method has a bug stands in for a bug in the core.
  const broken = { ...workbench, listProjects: async () => (undefined as unknown as { id: number }[]).map((p) => p.id) };
  const brokenServer = await startServer({ service: broken as unknown as Workbench, staticDir: dir, port: 0 });
  t.after(() => brokenServer.close());
  const reply = await call('listProjects', '[]', brokenServer);
  assert.equal(reply.status, 500);
  assert.equal(reply.json.name, 'TypeError');
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
