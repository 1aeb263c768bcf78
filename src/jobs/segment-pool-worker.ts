// One worker of the segment pool: loads the model once, then segments one file per request (read, tiled
// predict, write the mask and optional probabilities) and answers with the outcome. Memory per worker is one
// image's mask plus the tiler's strip, so a long folder keeps it flat.
import { parentPort, workerData } from 'node:worker_threads';
import { failureReason } from '../inference/batch.ts';
import { segmentFile } from '../inference/segment-file.ts';
import { openInferenceModel } from '../inference/inference-model.ts';
import type { PoolReply, PoolRequest, PoolWorkerData } from './segment-pool-protocol.ts';

const port = parentPort;
if (!port) throw new Error('segment-pool-worker.ts runs only as a worker thread');
const setup = workerData as PoolWorkerData;

const model = await openInferenceModel(setup.modelDir, { backend: setup.backend });
port.postMessage({ type: 'ready', backend: model.engine } satisfies PoolReply);

port.on('message', async (request: PoolRequest) => {
  const started = Date.now();
  try {
    await segmentFile(model, request.file, request.output, request.options);
    port.postMessage({ type: 'done', id: request.id, seconds: (Date.now() - started) / 1000 } satisfies PoolReply);
  } catch (e) {
    port.postMessage({ type: 'failed', id: request.id, reason: failureReason(e), seconds: (Date.now() - started) / 1000 } satisfies PoolReply);
  }
});
