// Grow from seeds through the workbench: the image's own pixels, the renderer's labels in, the grown plane out,
// nothing saved; a wrong label plane or a single class is the caller's mistake, said in one message.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { ArgumentError, UserError } from '../../../src/api/errors.ts';
import { decodeRuns, encodeRuns } from '../../../src/labels/run-length.ts';
import { callServiceMethod } from '../../../src/server/methods.ts';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { writeGrayPng } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

const W = 40;
const H = 30;

async function workbenchWithImage(t: import('node:test').TestContext) {
  const dir = tempDir(t);
  // Dark left of x = 25, bright right, with a little noise.
  const pixels = new Uint8Array(W * H).map((_, i) => (i % W < 25 ? 40 : 200) + ((i * 37) % 11));
  writeGrayPng(path.join(dir, 'images', 'a.png'), W, H, pixels);
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  const project = await wb.createProject('p', [{ name: 'dark', color: '#000000' }, { name: 'bright', color: '#ffffff' }]);
  const { added } = await wb.addImages(project.id, [path.join(dir, 'images')]);
  return { wb, image: added[0]! };
}

function seeds(): Uint8Array {
  const labels = new Uint8Array(W * H).fill(255);
  for (let y = 5; y < 25; y++) {
    labels[y * W + 3] = 0;
    labels[y * W + 36] = 1;
  }
  return labels;
}

const b64 = (bytes: Uint8Array) => Buffer.from(encodeRuns(bytes)).toString('base64');

test('growFromSeeds grows the editor’s strokes over the image’s own pixels and saves nothing', async (t) => {
  const { wb, image } = await workbenchWithImage(t);
  const grown = await wb.growFromSeeds({ imageId: image.id, labels: b64(seeds()) });
  assert.equal(grown.width, W);
  assert.equal(grown.height, H);
  const out = decodeRuns(Buffer.from(grown.data, 'base64'), W * H);
  for (let i = 0; i < W * H; i++) assert.equal(out[i], i % W < 25 ? 0 : 1, `pixel ${i % W}, ${Math.floor(i / W)}`);
  const stored = await wb.getMask(image.id);
  assert.equal(stored.revision, 0, 'a preview is not a save');

  const roi = await wb.growFromSeeds({ imageId: image.id, labels: b64(seeds()), roi: { x: 0, y: 0, width: 40, height: 10 } });
  const inRoi = decodeRuns(Buffer.from(roi.data, 'base64'), W * H);
  assert.equal(inRoi[20 * W + 10], 255, 'below the ROI nothing grows');
  assert.equal(inRoi[5 * W + 10], 0);
});

test('growFromSeeds refuses one class, a label plane of the wrong size and a bad argument, each in one message', async (t) => {
  const { wb, image } = await workbenchWithImage(t);
  const one = seeds().map((v) => (v === 1 ? 0 : v));
  await assert.rejects(wb.growFromSeeds({ imageId: image.id, labels: b64(one) }), (e: unknown) => e instanceof UserError && /at least two classes/.test(e.message));
  await assert.rejects(wb.growFromSeeds({ imageId: image.id, labels: b64(new Uint8Array(10)) }), (e: unknown) => e instanceof ArgumentError && /labels does not code the 40×30 plane: run-length labels hold 10 values, expected 1200/.test(e.message));
  await assert.rejects(wb.growFromSeeds({ imageId: image.id, labels: b64(seeds()), slice: 3 }), (e: unknown) => e instanceof ArgumentError && /argument slice 3 does not exist: a\.png has 1 plane/.test(e.message));
  await assert.rejects(
    callServiceMethod(wb, 'growFromSeeds', [{ imageId: image.id, labels: b64(seeds()), neighbours: 6 }]),
    (e: unknown) => e instanceof ArgumentError && /growFromSeeds: argument request\.neighbours/.test(e.message),
  );
});
