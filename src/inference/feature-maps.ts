// What a network sees: one layer's feature maps for an image, and the first convolution's learnt filters, each
// laid out as a grid of small grayscale cells. Every cell is scaled on its own, since channels differ in range by
// orders of magnitude and one shared scale would show a few bright cells and the rest black.
import * as tf from '@tensorflow/tfjs';
import type { Normalisation } from '../models/model-dir.ts';
import { CamGraph, readTile } from './cam.ts';
import type { PixelSource } from './tiler.ts';

/** A grid image: `cells` cells of cellWidth × cellHeight in `columns` columns, one gap pixel between them. */
export interface CellGrid {
  width: number;
  height: number;
  /** Row-major grayscale, 0..255; gaps are 0. */
  data: Uint8Array;
  cells: number;
  columns: number;
  cellWidth: number;
  cellHeight: number;
}

export interface FeatureMapsResult extends CellGrid {
  layer: string;
  /** Channels of the layer; the grid shows the first `cells` of them. */
  channels: number;
  /** The image window that went through the network: x, y, width, height. */
  window: [number, number, number, number];
}

/** The window (at most `maxSize` per side, centred unless `at` is given) that is run through the network. */
export interface FeatureWindow {
  maxSize: number;
  at?: { x: number; y: number };
}

const GAP = 1;

/** The chosen layer's activations for a window of the image (the whole image when it fits), as a grid of channels. */
export async function featureMaps(
  model: tf.LayersModel,
  source: PixelSource,
  norm: Normalisation,
  sizeMultiple: number,
  layer: string,
  maxChannels: number,
  window: FeatureWindow = { maxSize: 512 },
): Promise<FeatureMapsResult> {
  const graph = new CamGraph(model, layer);
  const w = Math.min(source.width, window.maxSize);
  const h = Math.min(source.height, window.maxSize);
  const centre = window.at ?? { x: source.width / 2, y: source.height / 2 };
  const x0 = clamp(Math.round(centre.x - w / 2), 0, source.width - w);
  const y0 = clamp(Math.round(centre.y - h / 2), 0, source.height - h);
  // The network wants sides that are a multiple of its size; the padding reads as the band mean.
  const padded = (n: number): number => Math.ceil(n / sizeMultiple) * sizeMultiple;
  const x = await readTile(source, norm, x0, y0, padded(w), padded(h));
  const activations = graph.activations(x);
  x.dispose();
  const [, mapH, mapW, channels] = activations.shape;
  const values = (await activations.data()) as Float32Array;
  activations.dispose();
  const shown = Math.min(channels, maxChannels);
  const grid = cellGrid(shown, mapW, mapH, (cell, put) => {
    let min = Infinity;
    let max = -Infinity;
    for (let i = cell; i < values.length; i += channels) {
      min = Math.min(min, values[i]!);
      max = Math.max(max, values[i]!);
    }
    const scale = max > min ? 255 / (max - min) : 0;
    for (let p = 0; p < mapW * mapH; p++) put(p % mapW, Math.floor(p / mapW), Math.round((values[p * channels + cell]! - min) * scale));
  });
  return { ...grid, layer: graph.layer, channels, window: [x0, y0, w, h] };
}

export interface FiltersResult extends CellGrid {
  layer: string;
  /** Filters of the layer; the grid shows the first `cells` of them. */
  filters: number;
  /** Kernel size and the input bands drawn side by side in each cell. */
  kernel: [number, number];
  bands: number;
  /** Each kernel value is drawn as a square of this many pixels. */
  zoom: number;
}

/**
 * The first convolution's learnt filters: one cell per filter, its input bands side by side, mid-gray at zero,
 * white and black at the filter's largest weight of either sign.
 */
export function firstLayerFilters(model: tf.LayersModel, maxFilters: number, zoom = 8): FiltersResult {
  const layer = model.layers.find((l) => l.getWeights().some((w) => w.rank === 4));
  if (!layer) throw new Error('the model has no convolution with a kernel to show');
  const kernel = layer.getWeights().find((w) => w.rank === 4)!;
  const [kh, kw, bands, filters] = kernel.shape as [number, number, number, number];
  const values = kernel.dataSync() as Float32Array;
  const shown = Math.min(filters, maxFilters);
  const cellW = (kw * zoom + GAP) * bands - GAP;
  const grid = cellGrid(shown, cellW, kh * zoom, (filter, put) => {
    let peak = 0;
    for (let i = filter; i < values.length; i += filters) peak = Math.max(peak, Math.abs(values[i]!));
    for (let b = 0; b < bands; b++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const v = values[((ky * kw + kx) * bands + b) * filters + filter]!;
          const level = Math.round(127.5 + (peak > 0 ? (127.5 * v) / peak : 0));
          for (let dy = 0; dy < zoom; dy++) {
            for (let dx = 0; dx < zoom; dx++) put(b * (kw * zoom + GAP) + kx * zoom + dx, ky * zoom + dy, level);
          }
        }
      }
    }
  });
  return { ...grid, layer: layer.name, filters, kernel: [kh, kw], bands, zoom };
}

/** Lays out `cells` cells in a near-square grid; `draw` writes one cell through `put(x, y, level)`. */
function cellGrid(cells: number, cellWidth: number, cellHeight: number, draw: (cell: number, put: (x: number, y: number, level: number) => void) => void): CellGrid {
  const columns = Math.max(1, Math.ceil(Math.sqrt(cells)));
  const rows = Math.max(1, Math.ceil(cells / columns));
  const width = columns * (cellWidth + GAP) - GAP;
  const height = rows * (cellHeight + GAP) - GAP;
  const data = new Uint8Array(width * height);
  for (let cell = 0; cell < cells; cell++) {
    const left = (cell % columns) * (cellWidth + GAP);
    const top = Math.floor(cell / columns) * (cellHeight + GAP);
    draw(cell, (x, y, level) => {
      data[(top + y) * width + left + x] = level;
    });
  }
  return { width, height, data, cells, columns, cellWidth, cellHeight };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
