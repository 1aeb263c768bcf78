// Anomaly maps on real pixels: an autoencoder trained briefly on ISBI 2012 membrane images
// (../shared/data/isbi2012-membrane) maps a held-out membrane image into which a region cut from a CamVid street
// photograph (../shared/data/camvid, made grey as `segment` makes it) was pasted. The pasted region must stand out
// in the map, and the pasted image must score higher than the same image untouched.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { anomalyMap, statisticMap } from '../../src/anomaly/map.ts';
import { loadAnomalyModel } from '../../src/anomaly/model-dir.ts';
import { pasteRegion } from '../../src/anomaly/paste.ts';
import { imageScore } from '../../src/anomaly/statistics.ts';
import { trainAnomalyModel } from '../../src/anomaly/train.ts';
import { initBackend } from '../../src/compute/backends.ts';
import { matchBands } from '../../src/inference/segment-image.ts';
import { memorySource } from '../../src/inference/tiler.ts';
import { readUnlabeledImages } from '../../src/training/unlabeled-images.ts';
import { sharedData, tempDir } from '../helpers/tmp.ts';

const membrane = path.join(sharedData, 'isbi2012-membrane');
const camvid = path.join(sharedData, 'camvid/train/0001TP_006690.png');

test('a CamVid region pasted into a held-out membrane image stands out in the anomaly map and raises the score', async (t) => {
  if (!existsSync(membrane) || !existsSync(camvid)) {
    t.skip(`${membrane} or ${camvid} is absent: real-data anomaly test skipped`);
    return;
  }
  const backend = await initBackend('wasm');
  const dir = tempDir(t);
  const normal = await readUnlabeledImages([0, 1, 2, 3, 4, 5].map((n) => path.join(membrane, 'train/image', `${n}.png`)));
  await trainAnomalyModel({
    images: normal, outDir: dir, backend, objective: 'variational', beta: 0.1, sigma: 4,
    patchSize: 64, batchSize: 8, learningRate: 3e-3, timeBudgetSeconds: 1e9, maxSteps: 120, seed: 1,
  });
  const model = await loadAnomalyModel(dir);
  t.after(() => model.reconstruction.dispose());

  const [heldOut] = await readUnlabeledImages([path.join(membrane, 'unlabeled/0.png')]);
  const [street] = await readUnlabeledImages([camvid]);
  const grey = matchBands(memorySource(street!.data, street!.width, street!.height, street!.bands), 1, camvid);
  const side = 96;
  const patch = { width: side, height: side, bands: 1, data: await grey.readWindow(200, 150, side, side) };
  const { image: pasted, truth } = pasteRegion(heldOut!, patch, 300, 120);

  const mapOf = (image: typeof pasted) => anomalyMap(model.reconstruction, model.meta, memorySource(image.data, image.width, image.height, 1), 'membrane 0');
  const [pastedMap, untouchedMap] = [await mapOf(pasted), await mapOf(heldOut!)];
  const insideAndOut = (map: Float32Array) => {
    let [inside, outside, insideCount] = [0, 0, 0];
    for (let i = 0; i < truth.length; i++) {
      if (truth[i]) [inside, insideCount] = [inside + map[i]!, insideCount + 1];
      else outside += map[i]!;
    }
    return [inside / insideCount, outside / (truth.length - insideCount)] as const;
  };
  const [inside, outside] = insideAndOut(pastedMap);
  // The deviation statistic from the same maps: the region stands out there too.
  const [deviationInside, deviationOutside] = insideAndOut(statisticMap(pastedMap, model.meta, 'deviation').map);
  const [pastedScore, untouchedScore] = [imageScore(pastedMap, model.meta.normalScale), imageScore(untouchedMap, model.meta.normalScale)];
  t.diagnostic(`mean map inside ${inside.toPrecision(3)}, outside ${outside.toPrecision(3)}; deviation inside ${deviationInside.toPrecision(3)}, outside ${deviationOutside.toPrecision(3)}; score pasted ${pastedScore.toFixed(3)}, untouched ${untouchedScore.toFixed(3)}; ${model.meta.training.steps} steps in ${model.meta.training.seconds.toFixed(1)} s`);
  assert.ok(inside > outside, `the pasted region's mean error ${inside} is not above the rest's ${outside}`);
  assert.ok(deviationInside > deviationOutside, `the pasted region's mean deviation ${deviationInside} is not above the rest's ${deviationOutside}`);
  assert.ok(pastedScore > untouchedScore, `the pasted image scores ${pastedScore}, the untouched one ${untouchedScore}`);
});
