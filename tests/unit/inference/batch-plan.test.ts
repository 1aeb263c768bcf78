// What a re-run of `segment` counts as done after a killed run: a mask without the GeoJSON asked for is not done
// (the GeoJSON is written after the mask), and temp files of dead processes are cleared, those of live ones kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { planBatch } from '../../../src/inference/batch.ts';
import { writeGrayPng } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('a mask without its GeoJSON is redone, and only dead processes\' temp files are removed', async (t) => {
  const dir = tempDir(t);
  const inputDir = path.join(dir, 'in');
  const outputDir = path.join(dir, 'out');
  for (const name of ['a', 'b']) writeGrayPng(path.join(inputDir, `${name}.png`), 4, 4, new Uint8Array(16));
  writeGrayPng(path.join(outputDir, 'a.png'), 4, 4, new Uint8Array(16));
  writeGrayPng(path.join(outputDir, 'b.png'), 4, 4, new Uint8Array(16));
  writeFileSync(path.join(outputDir, 'b.geojson'), '{}');
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
  const stale = path.join(outputDir, `a.geojson.tmp-${deadPid}`);
  const live = path.join(outputDir, `b.png.tmp-${process.pid}-3`);
  writeFileSync(stale, '');
  writeFileSync(live, '');

  const withGeoJson = await planBatch({ inputDir, outputDir, recursive: false, overwrite: false, geojson: true });
  assert.deepEqual(withGeoJson.todo.map((i) => path.basename(i.file)), ['a.png']);
  assert.deepEqual(withGeoJson.done.map((i) => path.basename(i.file)), ['b.png']);
  assert.equal(existsSync(stale), false, 'a dead process\'s temp file is removed');
  assert.equal(existsSync(live), true, 'a running process\'s temp file is left alone');

  const masksOnly = await planBatch({ inputDir, outputDir, recursive: false, overwrite: false });
  assert.deepEqual(masksOnly.todo, []);
});
