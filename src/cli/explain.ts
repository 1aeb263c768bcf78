// `segwork explain`: a Grad-CAM heatmap of one image for one class, written as an 8-bit grayscale PNG; or, with
// --features or --filters, a grid of one layer's feature maps for the image or of the first layer's learnt filters.
import * as path from 'node:path';
import type { CamRegion } from '../inference/cam.ts';
import { DEFAULT_TILE_OPTIONS, type TileOptions } from '../inference/tiler.ts';
import type { ModelMeta } from '../models/model-dir.ts';
import { intOption, numberOption, parse, required } from './args.ts';
import { EXIT_OK, UsageError, type Command } from './command.ts';
import { toJson } from './progress.ts';

/** What to draw: a class's Grad-CAM (the default), a layer's feature maps, or the first layer's filters. */
export type ExplainView = { kind: 'cam' } | { kind: 'features'; layer: string; channels: number } | { kind: 'filters'; channels: number };

export interface ExplainRequest {
  modelDir: string;
  /** Unused by the filters view, which shows weights only. */
  image: string;
  /** A class index or name, resolved against the model's classes once it is loaded (CAM only). */
  classSpec: string;
  view: ExplainView;
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
    features: { type: 'string' },
    filters: { type: 'boolean' },
    channels: { type: 'string' },
  });
  if (values.features !== undefined && values.filters) throw new UsageError('--features and --filters draw different grids: give one of them');
  const channels = intOption(values, 'channels', 64, 1);
  const view: ExplainView = values.features !== undefined ? { kind: 'features', layer: values.features, channels } : values.filters ? { kind: 'filters', channels } : { kind: 'cam' };
  return {
    modelDir: required(values, 'model'),
    image: view.kind === 'filters' ? (values.image ?? '') : required(values, 'image'),
    classSpec: view.kind === 'cam' ? required(values, 'class') : '',
    view,
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

export interface GridResult {
  view: 'features' | 'filters';
  image?: string;
  out: string;
  layer: string;
  width: number;
  height: number;
  /** The layer's channels (features) or filters, and how many of them the grid shows. */
  channels: number;
  shown: number;
  columns: number;
  /** Features: the image window that went through the network, x, y, width, height. */
  window?: [number, number, number, number];
  seconds: number;
}

/** `--features LAYER` or `--filters`: the grid PNG and what it shows. */
export async function explainGrid(request: ExplainRequest & { view: Exclude<ExplainView, { kind: 'cam' }> }): Promise<GridResult> {
  const [{ openRaster, writeMaskPng }, { initBackend }, { matchBands }, { camLayerCandidates, camStages }, { featureMaps, firstLayerFilters }, { loadModelDir }, { getArchitecture }] =
    await Promise.all([
      import('../io/index.ts'),
      import('../compute/backends.ts'),
      import('../inference/segment-image.ts'),
      import('../inference/cam.ts'),
      import('../inference/feature-maps.ts'),
      import('../models/model-dir.ts'),
      import('../models/registry.ts'),
    ]);
  const started = performance.now();
  await initBackend(request.backend);
  const { model, meta } = await loadModelDir(request.modelDir);
  try {
    const { view } = request;
    if (view.kind === 'filters') {
      const grid = firstLayerFilters(model, view.channels);
      await writeMaskPng(request.out, grid.width, grid.height, grid.data);
      const seconds = (performance.now() - started) / 1000;
      return { view: 'filters', out: request.out, layer: grid.layer, width: grid.width, height: grid.height, channels: grid.filters, shown: grid.cells, columns: grid.columns, seconds };
    }
    // A stage's name ("bottleneck", "encoder stage 2") or a layer's.
    const layer = camStages(model).find((s) => s.name === view.layer)?.layer ?? view.layer;
    const candidates = camLayerCandidates(model);
    if (!candidates.includes(layer)) {
      throw new UsageError(`--features "${view.layer}" is not a stage or spatial layer of this model: choose a stage (${camStages(model).map((s) => s.name).join(', ')}) or a layer (${candidates.join(', ')})`);
    }
    const raster = await openRaster(request.image);
    try {
      const source = matchBands(raster, meta.inputChannels, request.image);
      const grid = await featureMaps(model, source, meta.normalisation, getArchitecture(meta.architecture).sizeMultiple(meta.config), layer, view.channels);
      await writeMaskPng(request.out, grid.width, grid.height, grid.data);
      const seconds = (performance.now() - started) / 1000;
      return { view: 'features', image: request.image, out: request.out, layer, width: grid.width, height: grid.height, channels: grid.channels, shown: grid.cells, columns: grid.columns, window: grid.window, seconds };
    } finally {
      await raster.close();
    }
  } finally {
    model.dispose();
  }
}

export const explainCommand: Command = {
  usage: `Usage: segwork explain --model MODEL_DIR --image FILE --class C --out heatmap.png [options]
       segwork explain --model MODEL_DIR --image FILE --features LAYER --out grid.png [--channels N]
       segwork explain --model MODEL_DIR --filters --out grid.png [--channels N]

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
  --json                 print {image, out, width, height, classIndex, className, layer, layerSize, regionPixels, seconds}

Seeing features (instead of --class):
  --features LAYER       a grid of the layer's feature maps for the image (a window of up to 512 px at its
                         centre), each channel scaled to its own range; LAYER is a stage ("bottleneck",
                         "encoder stage 2", "ASPP") or a layer name
  --filters              a grid of the first convolution's learnt filters (mid-gray 0, white and black the
                         filter's largest weights), input bands side by side; --image is not needed
  --channels N           show at most N channels or filters (default 64)
  With --json these print {view, out, layer, width, height, channels, shown, columns, window, seconds}.`,
  async run(argv, io) {
    const request = parseExplainArgs(argv);
    if (request.view.kind !== 'cam') {
      const grid = await explainGrid({ ...request, view: request.view });
      const what = grid.view === 'features' ? `${grid.shown} of ${grid.channels} channels of ${grid.layer}` : `${grid.shown} of ${grid.channels} filters of ${grid.layer}`;
      io.stdout.write(request.json ? toJson(grid) + '\n' : `${grid.out}: ${what}, ${grid.width}×${grid.height}, ${grid.seconds.toFixed(1)} s\n`);
      return EXIT_OK;
    }
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
