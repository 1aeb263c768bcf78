// One worker of the segment pool: loads the model once, then segments one file per request (read, tiled
// predict, write the mask and optional probabilities) and answers with the outcome. Memory per worker is one
// image's mask plus the tiler's strip, so a long folder keeps it flat.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../compute/backends.ts';
import { matchBands, segmentSource } from '../inference/batch.ts';
import { InputError, openRaster, writeMaskPng, writeProbabilityTiff } from '../io/index.ts';
import { loadModelDir } from '../models/model-dir.ts';
import type { PoolReply, PoolRequest, PoolWorkerData } from './segment-pool-protocol.ts';

const port = parentPort;
if (!port) throw new Error('segment-pool-worker.ts runs only as a worker thread');
const setup = workerData as PoolWorkerData;

const backend = await initBackend(setup.backend);
const loaded = await loadModelDir(setup.modelDir);
port.postMessage({ type: 'ready', backend } satisfies PoolReply);

async function segmentFile({ file, output, probabilities, tiles }: PoolRequest): Promise<void> {
  const raster = await openRaster(file);
  try {
    const source = matchBands(raster, loaded.meta.inputChannels, file);
    const result = await segmentSource(loaded, source, probabilities, tiles);
    await writeMaskPng(output, result.width, result.height, result.mask);
    if (result.probabilities) {
      await writeProbabilityTiff(output.replace(/\.png$/, '.probabilities.tif'), result.width, result.height, result.numClasses, result.probabilities);
    }
  } finally {
    await raster.close();
  }
}

port.on('message', async (request: PoolRequest) => {
  const started = Date.now();
  try {
    await segmentFile(request);
    port.postMessage({ type: 'done', id: request.id, seconds: (Date.now() - started) / 1000 } satisfies PoolReply);
  } catch (e) {
    const reason = e instanceof InputError ? e.problem : (e as Error).message;
    port.postMessage({ type: 'failed', id: request.id, reason, seconds: (Date.now() - started) / 1000 } satisfies PoolReply);
  }
});
