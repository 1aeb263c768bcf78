// A model opened for forward passes only (segment, eval, the workbench's Predict): its description and a tile
// predictor on the engine chosen for it, ONNX Runtime when present, else the tfjs backend.
import { chooseEngine, initBackend } from '../compute/backends.ts';
import { createOnnxSession } from '../compute/onnxruntime.ts';
import { InputError } from '../io/raster.ts';
import { loadModelDir, type LoadedModel, type ModelMeta } from '../models/model-dir.ts';
import { readOnnxModel } from '../models/onnx/model-file.ts';
import { onnxPredictor } from './onnx-predictor.ts';
import { modelPredictor } from './tfjs-predictor.ts';
import type { TilePredictor } from './tiler.ts';

export interface InferenceModel {
  meta: ModelMeta;
  /** The model directory or .onnx file it was opened from. */
  path: string;
  /** What runs the forward passes: "onnxruntime (cpu)", "tfjs (wasm)", … */
  engine: string;
  predict: TilePredictor;
  dispose(): Promise<void>;
}

export interface OpenOptions {
  /** --backend / SEGWORK_BACKEND: an ONNX Runtime choice or a tfjs backend; automatic when absent. */
  backend?: string;
  /** One line for what the user should know (a regenerated model.onnx, a provider that fell back). */
  note?: (line: string) => void;
}

/** Opens a model directory, or a bare .onnx file exported by Segwork, on the engine for forward passes. */
export async function openInferenceModel(modelPath: string, options: OpenOptions = {}): Promise<InferenceModel> {
  const engine = await chooseEngine(options.backend);
  const bare = /\.onnx$/i.test(modelPath);
  if (engine.kind === 'onnxruntime') {
    const note = options.note ?? ((line: string) => console.error(line));
    try {
      const { bytes, meta } = await readOnnxModel(modelPath, note);
      const session = await createOnnxSession(bytes, { provider: engine.provider, warn: note });
      return { meta, path: modelPath, engine: `onnxruntime (${session.provider})`, predict: onnxPredictor(session), dispose: async () => void (await session.session.release()) };
    } catch (error) {
      // A user's mistake (a bad folder or file) is theirs to fix on any engine; anything else ONNX Runtime could not
      // run, a model directory still can on tfjs.
      if (error instanceof InputError || bare) throw error;
      note(`ONNX Runtime cannot run ${modelPath} (${(error as Error).message.split('\n')[0]}); using tfjs instead`);
    }
  }
  if (bare) throw new InputError(modelPath, 'a bare .onnx model runs on ONNX Runtime only; choose --backend onnxruntime, or give the model directory');
  const backend = await initBackend(options.backend);
  return tfjsInferenceModel(await loadModelDir(modelPath), backend);
}

/** A tfjs model already in memory (training's validation) as an inference model. */
export function tfjsInferenceModel(loaded: LoadedModel, backend: string): InferenceModel {
  return {
    meta: loaded.meta,
    path: loaded.dir,
    engine: `tfjs (${backend})`,
    predict: modelPredictor(loaded.model),
    dispose: async () => {
      loaded.model.dispose();
    },
  };
}
