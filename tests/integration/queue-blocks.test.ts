// The block path of the queue without Redis: a raster segmented window by window (block jobs) and assembled gives
// the single-machine streamed outputs byte for byte, also with windows that cut through tile rows and batches.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { segmentFile } from '../../src/inference/segment-file.ts';
import { openInferenceModel } from '../../src/inference/inference-model.ts';
import { writeTiff } from '../../src/io/index.ts';
import { assembleBlocks, planBlocks, segmentBlock } from '../../src/queue/large-raster.ts';
import type { AssembleJob, JobSegmentOptions, ModelRef } from '../../src/queue/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';
import { tinyModel } from './queue-fixtures.ts';

test('blocks segmented apart and assembled equal the streamed single-machine outputs', async (t) => {
  const dir = tempDir(t);
  const modelDir = await tinyModel(dir);
  const [width, height] = [700, 300];
  const data = new Uint8Array(width * height).map((_, i) => (Math.sin((i % width) / 9) * 90 + 128 + ((i * 7919) % 23)) & 255);
  const file = path.join(dir, 'in.tif');
  await writeTiff(file, { width, height, bands: 1, data, layout: 'pixel', georeference: { geoTransform: [1000, 2, 0, 5000, 0, -2], epsg: 32633 } });
  const options: JobSegmentOptions = { probabilities: true, uncertainty: true, tiles: { tile: 64, overlap: 0.5, batch: 3 } };
  const model = await openInferenceModel(modelDir, { backend: 'wasm' });
  t.after(() => model.dispose());
  mkdirSync(path.join(dir, 'single'));
  await segmentFile(model, file, path.join(dir, 'single', 'in.tif'), options);

  const blockDir = path.join(dir, 'out', '.segwork-blocks', 'job');
  const ref: ModelRef = { path: modelDir, digest: 'test' };
  // 130 px blocks: edges fall inside tiles, tile rows and batches of tiles.
  const blocks = planBlocks(width, height, 130).map((window, i) => ({ window, blockFile: path.join(blockDir, `${i}.block`) }));
  assert.equal(blocks.length, 6 * 3);
  for (const block of blocks) await segmentBlock(model, { kind: 'block', batch: 'b', file, model: ref, options, ...block });
  const job: AssembleJob = { kind: 'assemble', batch: 'b', file, model: ref, options, output: path.join(dir, 'out', 'in.tif'), numClasses: 2, classes: [], blocks, blockDir };
  await assembleBlocks(job);

  const names = readdirSync(path.join(dir, 'single')).sort();
  assert.deepEqual(names, ['in.probabilities.tif', 'in.tif', 'in.uncertainty.tif']);
  assert.ok(!existsSync(path.join(dir, 'out', '.segwork-blocks')), 'the blocks are deleted');
  for (const name of names) assert.ok(readFileSync(path.join(dir, 'single', name)).equals(readFileSync(path.join(dir, 'out', name))), `${name} differs`);
  // A retried assemble job, after its outputs were renamed into place and its blocks deleted, is done.
  await assembleBlocks(job);
});
