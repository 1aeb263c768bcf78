// Sliding-window inference for images of any size: overlapping tiles, blended with a Gaussian importance map
// (as nnU-Net does), processed one row of tiles at a time. Finished rows stream out, so peak memory depends on
// tile size × image width, never on image height.
import { CancelledError } from '../api/errors.ts';
import type { Normalisation } from '../models/model-dir.ts';

/** The part of a Raster the tiler needs: windowed reads of pixel-interleaved values. */
export interface PixelSource {
  width: number;
  height: number;
  bands: number;
  readWindow(x: number, y: number, w: number, h: number): Promise<Float32Array>;
}

export interface TileOptions {
  /** Tile edge in pixels (rounded up to the model's size multiple). */
  tile: number;
  /** Fraction of a tile shared with its neighbour, 0 ≤ overlap < 1. */
  overlap: number;
  /** Tiles per forward pass. */
  batch: number;
}

export const DEFAULT_TILE_OPTIONS: TileOptions = { tile: 512, overlap: 0.5, batch: 4 };

export interface StripSink {
  /** Receives blended probabilities of rows [y, y + rows), pixel-interleaved [rows, width, numClasses]. */
  (y: number, rows: number, probs: Float32Array, numClasses: number): void | Promise<void>;
}

/** Tiles, one after another, each pixel-interleaved (NHWC): what goes into an engine and what comes out. */
export interface TileBatch {
  data: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Turns a batch of normalised tiles [n, h, w, bands] into probabilities [n, h, w, C], on whichever engine. */
export type TilePredictor = (tiles: TileBatch) => Promise<TileBatch>;

export interface ProgressCallback {
  (doneTiles: number, totalTiles: number): void;
}

function roundUp(v: number, m: number): number {
  return Math.ceil(v / m) * m;
}

/** Tile origins along one axis: evenly stepped, the last one flush with the end. */
export function tileOrigins(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = Math.max(1, Math.floor(tile * (1 - overlap)));
  const origins: number[] = [];
  for (let p = 0; p + tile < length; p += stride) origins.push(p);
  origins.push(length - tile);
  return origins;
}

/** Gaussian importance map (sigma = tile/8), max 1, no zeros, so every pixel has weight. */
export function gaussianImportance(h: number, w: number): Float32Array {
  const map = new Float32Array(h * w);
  const sy = h / 8;
  const sx = w / 8;
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      map[y * w + x] = Math.max(Math.exp(-((y - cy) ** 2) / (2 * sy * sy) - ((x - cx) ** 2) / (2 * sx * sx)), 1e-3);
    }
  }
  return map;
}

export interface TilePlan {
  tileW: number;
  tileH: number;
  xs: number[];
  ys: number[];
}

export function planTiles(width: number, height: number, options: TileOptions, sizeMultiple: number): TilePlan {
  const tile = roundUp(options.tile, sizeMultiple);
  const tileW = Math.min(tile, roundUp(width, sizeMultiple));
  const tileH = Math.min(tile, roundUp(height, sizeMultiple));
  return { tileW, tileH, xs: tileOrigins(width, tileW, options.overlap), ys: tileOrigins(height, tileH, options.overlap) };
}

/** A rectangle of an image, in pixels. */
export interface PixelWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Runs the predictor over every tile and hands blended rows to `sink`, top to bottom. With `window`, only the tiles
 * that reach into it run (in the whole image's tile grid and batches, so its pixels come out bit for bit as in a
 * whole-image run) and the sink gets the window's rows: absolute `y`, `window.width` pixels per row.
 */
export async function predictStrips(
  predict: TilePredictor,
  source: PixelSource,
  norm: Normalisation,
  sizeMultiple: number,
  options: TileOptions,
  sink: StripSink,
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
  window: PixelWindow = { x: 0, y: 0, width: source.width, height: source.height },
): Promise<void> {
  const { width, height, bands } = source;
  const { tileW, tileH, xs, ys } = planTiles(width, height, options, sizeMultiple);
  const importance = gaussianImportance(tileH, tileW);
  const [left, top, right, bottom] = [window.x, window.y, window.x + window.width, window.y + window.height];
  const tileRows = ys.filter((ty) => ty < bottom && ty + tileH > top);
  // Whole batches of the full grid, so each forward pass sees the same tiles as in a whole-image run.
  const batches: number[][] = [];
  for (let start = 0; start < xs.length; start += options.batch) {
    const batchXs = xs.slice(start, start + options.batch);
    if (batchXs.some((tx) => tx < right && tx + tileW > left)) batches.push(batchXs);
  }
  const total = tileRows.length * batches.reduce((n, b) => n + b.length, 0);
  const rowWidth = window.width;
  let done = 0;
  let numClasses = 0;
  // Rows [base, base + capacity) are held; a tile row never reaches further than tileH below its origin.
  const capacity = tileH + (ys.length > 1 ? ys[1]! - ys[0]! : 0) + 1;
  let acc: Float32Array | null = null;
  const weight = new Float32Array(capacity * rowWidth);
  let base = top;

  const flush = async (upTo: number): Promise<void> => {
    const rows = Math.min(upTo, bottom) - base;
    if (rows <= 0 || !acc) return;
    const out = new Float32Array(rows * rowWidth * numClasses);
    for (let i = 0; i < rows * rowWidth; i++) {
      const w = weight[i]!;
      for (let c = 0; c < numClasses; c++) out[i * numClasses + c] = acc[i * numClasses + c]! / w;
    }
    await sink(base, rows, out, numClasses);
    acc.copyWithin(0, rows * rowWidth * numClasses);
    acc.fill(0, (capacity - rows) * rowWidth * numClasses);
    weight.copyWithin(0, rows * rowWidth);
    weight.fill(0, (capacity - rows) * rowWidth);
    base += rows;
  };

  for (const ty of tileRows) {
    await flush(ty);
    // Let a cancel (Ctrl-C, a worker message) in between rows of tiles.
    await new Promise((resolve) => setImmediate(resolve));
    for (const batchXs of batches) {
      if (signal?.aborted) throw new CancelledError('segmentation');
      const input = new Float32Array(batchXs.length * tileH * tileW * bands);
      for (let i = 0; i < batchXs.length; i++) {
        await readNormalisedTile(source, batchXs[i]!, ty, tileW, tileH, norm, input.subarray(i * tileH * tileW * bands));
      }
      const output = await predict({ data: input, count: batchXs.length, height: tileH, width: tileW, channels: bands });
      const probs = output.data;
      numClasses = output.channels;
      acc ??= new Float32Array(capacity * rowWidth * numClasses);
      // The tile's rows and columns inside the window (and the image).
      const y0 = Math.max(0, top - ty);
      const y1 = Math.min(tileH, bottom - ty, height - ty);
      for (let i = 0; i < batchXs.length; i++) {
        const tx = batchXs[i]!;
        const x0 = Math.max(0, left - tx);
        const x1 = Math.min(tileW, right - tx, width - tx);
        const tileOffset = i * tileH * tileW * numClasses;
        for (let y = y0; y < y1; y++) {
          const row = ty + y - base;
          for (let x = x0; x < x1; x++) {
            const w = importance[y * tileW + x]!;
            const dst = row * rowWidth + tx + x - left;
            weight[dst]! += w;
            const src = tileOffset + (y * tileW + x) * numClasses;
            for (let c = 0; c < numClasses; c++) acc[dst * numClasses + c]! += probs[src + c]! * w;
          }
        }
      }
      done += batchXs.length;
      onProgress?.(done, total);
    }
  }
  await flush(bottom);
}

/** Reads a tile (clipped to the image; the rest stays 0, i.e. the band mean after normalisation). */
async function readNormalisedTile(
  source: PixelSource,
  x: number,
  y: number,
  tileW: number,
  tileH: number,
  norm: Normalisation,
  out: Float32Array,
): Promise<void> {
  const { bands } = source;
  const w = Math.min(tileW, source.width - x);
  const h = Math.min(tileH, source.height - y);
  const values = await source.readWindow(x, y, w, h);
  out.fill(0, 0, tileW * tileH * bands);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const src = (row * w + col) * bands;
      const dst = (row * tileW + col) * bands;
      for (let b = 0; b < bands; b++) out[dst + b] = (values[src + b]! - norm.mean[b]!) / norm.std[b]!;
    }
  }
}

/** An in-memory image as a PixelSource. */
export function memorySource(data: Float32Array, width: number, height: number, bands: number): PixelSource {
  return {
    width,
    height,
    bands,
    async readWindow(x, y, w, h) {
      const out = new Float32Array(w * h * bands);
      for (let row = 0; row < h; row++) {
        const start = ((y + row) * width + x) * bands;
        out.set(data.subarray(start, start + w * bands), row * w * bands);
      }
      return out;
    },
  };
}
