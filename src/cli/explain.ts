// `segwork explain`: a Grad-CAM heatmap of one image for one class, written as an 8-bit grayscale PNG.
import * as path from 'node:path';
import type { CamRegion } from '../inference/cam.ts';
import { DEFAULT_TILE_OPTIONS, type TileOptions } from '../inference/tiler.ts';
import type { ModelMeta } from '../models/model-dir.ts';
import { intOption, numberOption, parse, required } from './args.ts';
import { EXIT_OK, UsageError, type Command } from './command.ts';
import { toJson } from './progress.ts';

export interface ExplainRequest {
  modelDir: string;
  image: string;
  /** A class index or name, resolved against the model's classes once it is loaded. */
  classSpec: string;
  layer?: string;
  region?: CamRegion;
  out: string;
  json: boolean;
  backend?: string;
  tiles: TileOptions;
}

export function parseExplainArgs(argv: string[]): ExplainRequest {
  const { values } = parse(argv, {
    model: { type: 'string' },
    image: { type: 'string' },
    class: { type: 'string' },
    layer: { type: 'string' },
    region: { type: 'string' },
    out: { type: 'string' },
    tile: { type: 'string' },
    overlap: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  });
  return {
    modelDir: required(values, 'model'),
    image: required(values, 'image'),
    classSpec: required(values, 'class'),
    layer: values.layer,
    region: values.region === undefined ? undefined : parseRegion(values.region),
    out: path.resolve(required(values, 'out')),
    json: Boolean(values.json),
    backend: values.backend,
    tiles: {
      ...DEFAULT_TILE_OPTIONS,
      tile: intOption(values, 'tile', DEFAULT_TILE_OPTIONS.tile, 16),
      overlap: numberOption(values, 'overlap', DEFAULT_TILE_OPTIONS.overlap, 0, 0.95)!,
      batch: 1,
    },
  };
}

function parseRegion(spec: string): CamRegion {
  const parts = spec.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0) || parts[2] === 0 || parts[3] === 0) {
    throw new UsageError(`--region must be x,y,width,height in whole pixels (width and height > 0), got "${spec}"`);
  }
  const [x, y, width, height] = parts as [number, number, number, number];
  return { x, y, width, height };
}

/** "2" or "road" → class index; an unknown one names the choices. */
export function resolveClass(spec: string, meta: Pick<ModelMeta, 'classes'>): number {
  const byName = meta.classes.find((c) => c.name === spec);
  if (byName) return byName.index;
  const index = Number(spec);
  if (Number.isInteger(index) && index >= 0 && index < meta.classes.length) return index;
  throw new UsageError(`--class "${spec}" is not a class of this model: choose ${meta.classes.map((c) => `${c.index} (${c.name})`).join(', ')}`);
}

export interface ExplainResult {
  image: string;
  out: string;
  width: number;
  height: number;
  classIndex: number;
  className: string;
  layer: string;
  layerSize: [number, number];
  regionPixels: number;
  seconds: number;
}

export async function explain(request: ExplainRequest): Promise<ExplainResult> {
  // Loaded here, not with the module: `segwork explain --help` then starts without tfjs or the readers
  // (tests/unit/cli/startup.test.ts).
  const [{ openRaster, writeMaskPng }, { initBackend }, { matchBands }, { computeCam, heatmapToBytes }, { loadModelDir }, { getArchitecture }] = await Promise.all([
    import('../io/index.ts'),
    import('../compute/backends.ts'),
    import('../inference/segment-image.ts'),
    import('../inference/cam.ts'),
    import('../models/model-dir.ts'),
    import('../models/registry.ts'),
  ]);
  const started = performance.now();
  await initBackend(request.backend);
  const { model, meta } = await loadModelDir(request.modelDir);
  try {
    const classIndex = resolveClass(request.classSpec, meta);
    const arch = getArchitecture(meta.architecture);
    const layer = request.layer ?? arch.defaultCamLayer(model, meta.config);
    const raster = await openRaster(request.image);
    try {
      const source = matchBands(raster, meta.inputChannels, request.image);
      const cam = await computeCam(model, source, meta.normalisation, arch.sizeMultiple(meta.config), { classIndex, layer, region: request.region }, request.tiles);
      await writeMaskPng(request.out, cam.width, cam.height, heatmapToBytes(cam.heatmap));
      return {
        image: request.image,
        out: request.out,
        width: cam.width,
        height: cam.height,
        classIndex,
        className: meta.classes[classIndex]!.name,
        layer: cam.layer,
        layerSize: cam.layerSize,
        regionPixels: cam.regionPixels,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      await raster.close();
    }
  } finally {
    model.dispose();
  }
}

export const explainCommand: Command = {
  usage: `Usage: segwork explain --model MODEL_DIR --image FILE --class C --out heatmap.png [options]

Writes an 8-bit grayscale PNG the size of the image: 255 where the chosen layer's evidence for class C is
strongest, 0 where there is none. Grad-CAM for segmentation: the gradient of class C's logits (before the
softmax), summed over the region, weights the layer's channels; the map is ReLU of their weighted sum,
up-sampled and scaled to 0..255. Large images go through tiles.

Options:
  --class C              class index or name
  --layer NAME           layer to explain (default: the deepest encoder stage); an unknown name lists the choices
  --region x,y,w,h       sum the logits over this rectangle (default: the pixels the model assigns to C)
  --tile N               tile edge in pixels (default ${DEFAULT_TILE_OPTIONS.tile})
  --overlap F            overlap between tiles, 0 ≤ F < 1 (default ${DEFAULT_TILE_OPTIONS.overlap})
  --backend NAME         tensorflow | webgpu | wasm | cpu
  --json                 print {image, out, width, height, classIndex, className, layer, layerSize, regionPixels, seconds}`,
  async run(argv, io) {
    const request = parseExplainArgs(argv);
    const result = await explain(request);
    if (request.json) {
      io.stdout.write(toJson(result) + '\n');
    } else {
      io.stdout.write(`${result.out}: class ${result.classIndex} (${result.className}) at layer ${result.layer}, ${result.width}×${result.height}, ${result.seconds.toFixed(1)} s\n`);
    }
    if (result.regionPixels === 0) {
      io.stderr.write(`segwork: the heatmap is empty: ${request.region ? 'the region' : `the model assigns no pixel to class ${result.classIndex}`}; try --region\n`);
    }
    return EXIT_OK;
  },
};
