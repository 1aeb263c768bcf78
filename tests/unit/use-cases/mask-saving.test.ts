// Two windows painting one image: strokes merge, the reply says when a copy went stale, and a whole-plane
// replacement made from a stale copy is refused (StaleRevisionError → HTTP 409) without writing anything.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { StaleRevisionError } from '../../../src/api/errors.ts';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { startServer } from '../../../src/server/server.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { writeGrayPng } from '../../helpers/images.ts';

const SIZE = 8;
const row = (y: number, value: number) => ({ x: 0, y, width: SIZE - 1, height: 1, data: Buffer.alloc(SIZE - 1, value).toString('base64') });
const whole = (value: number) => ({ x: 0, y: 0, width: SIZE, height: SIZE, data: Buffer.alloc(SIZE * SIZE, value).toString('base64') });

async function oneImage(t: import('node:test').TestContext) {
  const dir = tempDir(t);
  writeGrayPng(path.join(dir, 'a.png'), SIZE, SIZE, new Uint8Array(SIZE * SIZE).fill(90));
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  const project = await wb.createProject('p', [{ name: 'a', color: '#000000' }, { name: 'b', color: '#ffffff' }]);
  const { added } = await wb.addImages(project.id, [dir]);
  return { wb, image: added[0]! };
}

test('strokes from two windows on one base revision both survive, and the later one is told it merged', async (t) => {
  const { wb, image } = await oneImage(t);
  const base = (await wb.getMask(image.id)).revision;
  const first = await wb.saveMaskPatches(image.id, base, [row(1, 1)]);
  assert.equal(first.merged, false);
  const second = await wb.saveMaskPatches(image.id, base, [row(5, 0)]);
  assert.equal(second.merged, true, 'the second window missed the first one’s stroke');
  const mask = Buffer.from((await wb.getMask(image.id)).data, 'base64');
  assert.equal(mask[1 * SIZE], 1);
  assert.equal(mask[5 * SIZE], 0);
});

test('a whole-mask save from a stale copy is refused and writes nothing; from the current revision it replaces', async (t) => {
  const { wb, image } = await oneImage(t);
  const base = (await wb.getMask(image.id)).revision;
  const { revision } = await wb.saveMaskPatches(image.id, base, [row(1, 1)]);
  await assert.rejects(wb.saveMaskPatches(image.id, base, [whole(0)]), (e: Error) => e instanceof StaleRevisionError && /revision/.test(e.message));
  const kept = await wb.getMask(image.id);
  assert.equal(kept.revision, revision, 'nothing was written');
  assert.equal(Buffer.from(kept.data, 'base64')[1 * SIZE], 1, 'the other window’s stroke is kept');
  const replaced = await wb.saveMaskPatches(image.id, revision, [whole(0)]);
  assert.equal(replaced.merged, false);
  assert.ok(Buffer.from((await wb.getMask(image.id)).data, 'base64').every((v) => v === 0));
});

test('over HTTP the refusal is a 409 with its kind, so the page can tell the user and reload', async (t) => {
  const { wb, image } = await oneImage(t);
  const server = await startServer({ service: wb, staticDir: tempDir(t), port: 0 });
  t.after(() => server.close());
  await wb.saveMaskPatches(image.id, 0, [row(1, 1)]);
  const response = await fetch(`http://127.0.0.1:${server.port}/api/saveMaskPatches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-segwork-token': server.token },
    body: JSON.stringify([image.id, 0, [whole(0)]]),
  });
  assert.equal(response.status, 409);
  assert.equal(((await response.json()) as { name: string }).name, 'StaleRevisionError');
});
