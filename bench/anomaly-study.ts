// Do anomaly maps find foreign pixels? An autoencoder is trained on the 20 ISBI 2012 membrane training images
// (normal), then measured on the 30 held-out membrane images (../shared/data/isbi2012-membrane/unlabeled):
//  - pixel level: held-out images 0–9, each with one region cut from a CamVid street photograph (made grey as
//    `segment` makes it) pasted in, 32–128 px square at a random place (fixed seed); the pasted pixels are the
//    truth, every pixel's map value the score; AUROC over all their pixels.
//  - image level: held-out images 10–29 untouched (normal) against foreign images made grey: 10 CamVid photographs
//    (480×360, whole) and 10 Dubai aerial tiles (centre 512² crops); AUROC of the image scores. Also the pasted
//    images 0–9 against the same images untouched.
// Variational and plain autoencoders, seeds as given, fixed step counts (the machine is shared, so wall-clock budgets
// would measure its load); each model's maps under each statistic (error, deviation), drawn from the same error
// maps. One JSON line per arm, seed and statistic on stdout.
//   npm run bench:anomaly -- [--seeds 1,2] [--steps 300] [--arms variational,plain] [--statistics error,deviation] [--beta 0.1] [--size 64] [--batch 8]
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { anomalyMap, statisticMap } from '../src/anomaly/map.ts';
import { loadAnomalyModel } from '../src/anomaly/model-dir.ts';
import { pasteRegion } from '../src/anomaly/paste.ts';
import { ANOMALY_OBJECTIVES, ANOMALY_STATISTICS, DEFAULT_BETA, DEFAULT_SIGMA, type AnomalyObjective, type AnomalyStatistic } from '../src/anomaly/settings.ts';
import { imageScore } from '../src/anomaly/statistics.ts';
import { trainAnomalyModel } from '../src/anomaly/train.ts';
import { initBackend } from '../src/compute/backends.ts';
import { matchBands } from '../src/inference/segment-image.ts';
import { memorySource } from '../src/inference/tiler.ts';
import type { ImageData2D } from '../src/io/raster.ts';
import { auroc } from '../src/metrics/auroc.ts';
import { Rng } from '../src/training/rng.ts';
import { readUnlabeledImages } from '../src/training/unlabeled-images.ts';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2' },
    steps: { type: 'string', default: '300' },
    arms: { type: 'string', default: ANOMALY_OBJECTIVES.join(',') },
    size: { type: 'string', default: '64' },
    batch: { type: 'string', default: '8' },
    beta: { type: 'string', default: String(DEFAULT_BETA) },
    statistics: { type: 'string', default: ANOMALY_STATISTICS.join(',') },
  },
});
const data = path.resolve(import.meta.dirname, '../../shared/data');
const membrane = path.join(data, 'isbi2012-membrane');
const files = (dir: string) => readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => path.join(dir, f));
const byNumber = (dir: string, numbers: number[]) => numbers.map((n) => path.join(dir, `${n}.png`));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A window of an image, its bands made `bands` as segment makes them. */
async function window(image: ImageData2D & { name: string }, bands: number, x: number, y: number, width: number, height: number): Promise<ImageData2D> {
  const source = matchBands(memorySource(image.data, image.width, image.height, image.bands), bands, image.name);
  return { width, height, bands, data: await source.readWindow(x, y, width, height) };
}

const backend = await initBackend();
const normal = await readUnlabeledImages(files(path.join(membrane, 'train/image')));
const heldOut = await readUnlabeledImages(byNumber(path.join(membrane, 'unlabeled'), range(0, 30)));
const streets = await readUnlabeledImages(files(path.join(data, 'camvid/val')).filter((_, i) => i % 10 === 0).slice(0, 10));
const aerialFiles = readdirSync(path.join(data, 'dubai-aerial-landcover')).filter((d) => d.startsWith('Tile')).sort().flatMap((d) => files(path.join(data, 'dubai-aerial-landcover', d, 'images')));
const aerial = (await readUnlabeledImages(aerialFiles)).filter((i) => i.width >= 512 && i.height >= 512).filter((_, i) => i % 3 === 0).slice(0, 10);

// The pasted test set, the same for every arm and seed.
const rng = new Rng(2012);
const pastes: { image: ImageData2D; truth: Uint8Array; side: number }[] = [];
for (const [k, target] of heldOut.slice(0, 10).entries()) {
  const side = [32, 64, 96, 128][k % 4]!;
  const street = streets[k % streets.length]!;
  const patch = await window(street, 1, rng.int(street.width - side), rng.int(street.height - side), side, side);
  pastes.push({ ...pasteRegion(target, patch, rng.int(target.width - side), rng.int(target.height - side)), side });
}
const foreign = [
  ...(await Promise.all(streets.map((s) => window(s, 1, 0, 0, s.width, s.height)))),
  ...(await Promise.all(aerial.map((a) => window(a, 1, (a.width - 512) >> 1, (a.height - 512) >> 1, 512, 512)))),
];
console.error(`${backend}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model}); ${normal.length} normal, ${pastes.length} pasted, ${heldOut.length - 10} held-out normal, ${streets.length} CamVid + ${aerial.length} Dubai foreign`);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'segwork-anomaly-study-'));
try {
  for (const seed of args.seeds!.split(',').map(Number)) {
    for (const objective of args.arms!.split(',') as AnomalyObjective[]) {
      const outDir = path.join(scratch, `${objective}-${seed}`);
      const started = Date.now();
      await trainAnomalyModel({
        images: normal, outDir, backend, objective, beta: Number(args.beta), sigma: DEFAULT_SIGMA,
        patchSize: Number(args.size), batchSize: Number(args.batch), learningRate: 1e-3, timeBudgetSeconds: 1e9, maxSteps: Number(args.steps), seed,
      });
      const trainSeconds = (Date.now() - started) / 1000;
      const model = await loadAnomalyModel(outDir);
      const mapOf = (image: ImageData2D) => anomalyMap(model.reconstruction, model.meta, memorySource(image.data, image.width, image.height, image.bands), 'bench image');
      // Every image's error map once; each statistic is drawn from the same maps of the same model.
      const errorMaps = async (images: ImageData2D[]) => {
        const maps = [];
        for (const image of images) maps.push(await mapOf(image));
        return maps;
      };
      const pastedErrors = await errorMaps(pastes.map((p) => p.image));
      const untouchedErrors = await errorMaps(heldOut.slice(0, 10));
      const normalErrors = await errorMaps(heldOut.slice(10));
      const foreignErrors = await errorMaps(foreign);
      for (const statistic of args.statistics!.split(',') as AnomalyStatistic[]) {
        const shown = (error: Float32Array) => statisticMap(error, model.meta, statistic);
        const scoresOf = (errors: Float32Array[]) => errors.map((e) => { const { map, scale } = shown(e); return imageScore(map, scale); });

        // Pixel level: every pixel of the pasted images, pooled.
        const pixels = pastes.reduce((n, p) => n + p.truth.length, 0);
        const [values, truth] = [new Float32Array(pixels), new Uint8Array(pixels)];
        let offset = 0;
        let [inside, outside, insideCount] = [0, 0, 0];
        for (const [k, p] of pastes.entries()) {
          const { map, scale } = shown(pastedErrors[k]!);
          values.set(map, offset);
          truth.set(p.truth, offset);
          offset += map.length;
          for (let i = 0; i < map.length; i++) {
            if (p.truth[i]) [inside, insideCount] = [inside + map[i]! / scale, insideCount + 1];
            else outside += map[i]! / scale;
          }
        }
        const [pastedScores, untouchedScores, normalScores, foreignScores] = [pastedErrors, untouchedErrors, normalErrors, foreignErrors].map(scoresOf) as [number[], number[], number[], number[]];
        const imageAuroc = (positives: number[], negatives: number[]) => auroc([...positives, ...negatives], [...positives.map(() => 1), ...negatives.map(() => 0)]);
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        console.log(JSON.stringify({
          objective, beta: model.meta.beta, seed, statistic, steps: model.meta.training.steps, loss: [model.meta.training.firstLoss, model.meta.training.lastLoss], trainSeconds,
          normalScale: statistic === 'error' ? model.meta.normalScale : model.meta.deviation?.scale,
          pixelAuroc: auroc(values, truth),
          meanMapInside: inside / insideCount, meanMapOutside: outside / (pixels - insideCount),
          imageAurocForeign: imageAuroc(foreignScores, normalScores),
          imageAurocCamvid: imageAuroc(foreignScores.slice(0, streets.length), normalScores),
          imageAurocDubai: imageAuroc(foreignScores.slice(streets.length), normalScores),
          imageAurocPasted: imageAuroc(pastedScores, untouchedScores),
          meanScore: { normal: mean(normalScores), camvid: mean(foreignScores.slice(0, streets.length)), dubai: mean(foreignScores.slice(streets.length)), pasted: mean(pastedScores), untouched: mean(untouchedScores) },
          seconds: (Date.now() - started) / 1000,
        }));
      }
      model.reconstruction.dispose();
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
