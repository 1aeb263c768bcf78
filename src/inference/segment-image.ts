// The single-image engine: one image source through the tiler and the model into masks, probabilities and
// uncertainty, by strips or whole. Volumes (volume.ts), one file (segment-file.ts), the worker and explain build on it.
import { sliceWithNeighbours } from '../io/index.ts';
import { InputError, type Raster } from '../io/raster.ts';
import { getArchitecture } from '../models/index.ts';
import type { ModelMeta } from '../models/model-dir.ts';
import type { InferenceModel } from './inference-model.ts';
import { argmaxClasses } from './argmax.ts';
import { normalisedEntropy } from './uncertainty.ts';
import { needsWholeImage, refinedPredictor, refineImage, type RefineOptions } from './refine.ts';
import { MemorySink, type SegmentSink } from './segment-sinks.ts';
import { DEFAULT_TILE_OPTIONS, predictStrips, type PixelSource, type PixelWindow, type TileOptions } from './tiler.ts';

/** What to produce for one image, and how. */
export interface SegmentOptions {
  /** Also keep uint8-quantised class probabilities (written as NAME.probabilities.tif). */
  probabilities?: boolean;
  /** Also keep the per-pixel normalised entropy (written as NAME.uncertainty.tif for TIFF outputs, else .png) and its mean. */
  uncertainty?: boolean;
  tiles?: TileOptions;
  refine?: RefineOptions;
  /** For DICOM volumes: also write a DICOM SEG (NAME.seg.dcm) beside the NIfTI labels. */
  dicomSeg?: boolean;
  /** For 2D images: also write the classes as polygons (NAME.geojson), in the input's CRS when it has one. */
  geojson?: boolean;
  signal?: AbortSignal;
}

export interface SegmentedImage {
  width: number;
  height: number;
  numClasses: number;
  mask: Uint8Array;
  /** uint8-quantised, class-major planes; only when asked for. */
  probabilities: Uint8Array | null;
  /** Normalised entropy per pixel, 0..255; only when asked for. */
  uncertainty: Uint8Array | null;
  /** Mean normalised entropy, 0..1; null unless uncertainty was asked for. */
  uncertaintyScore: number | null;
}

/** Segments one image source with tiles into whole-image arrays (the workbench's predictions, evaluation). */
export async function segmentSource(model: InferenceModel, source: PixelSource, options: SegmentOptions = {}): Promise<SegmentedImage> {
  const { width, height } = source;
  const numClasses = model.meta.classes.length;
  const kept = new MemorySink(width, height, numClasses, options);
  const { uncertaintyScore } = await segmentRows(model, source, options, kept);
  return { width, height, numClasses, mask: kept.mask, probabilities: kept.probabilities, uncertainty: kept.uncertainty, uncertaintyScore };
}

/**
 * Segments one image source with tiles and hands its rows to `sink` top to bottom (only `window`'s, when given).
 * Memory is the tiler's strip, never whole-image float maps, unless a whole-image refinement (CRF, islands) needs
 * them: then the sink gets the whole image as one block of rows.
 */
export async function segmentRows(model: InferenceModel, source: PixelSource, options: SegmentOptions, sink: SegmentSink, window?: PixelWindow): Promise<{ uncertaintyScore: number | null }> {
  const { meta } = model;
  const refine = options.refine ?? {};
  const numClasses = meta.classes.length;
  const { width, height } = source;
  if (refine.crf !== undefined && width * height > MAX_CRF_PIXELS) {
    throw new Error(`${width}×${height} is too large for the CRF (at most ${MAX_CRF_PIXELS / 1e6} megapixels); segment it without --crf`);
  }
  let entropySum = 0;
  const uncertaintyOf = (probs: Float32Array): Uint8Array | null => {
    if (!options.uncertainty) return null;
    const entropy = normalisedEntropy(probs, numClasses);
    const scaled = new Uint8Array(entropy.length);
    for (let i = 0; i < entropy.length; i++) {
      entropySum += entropy[i]!;
      scaled[i] = Math.round(entropy[i]! * 255);
    }
    return scaled;
  };
  const whole = needsWholeImage(refine) ? new Float32Array(width * height * numClasses) : null;
  if (whole && window) throw new Error('a whole-image refinement (CRF, island removal) cannot run on a window of the image');
  const sizeMultiple = getArchitecture(meta.architecture).sizeMultiple(meta.config);
  const predict = refinedPredictor(model.predict, refine);
  await predictStrips(predict, source, meta.normalisation, sizeMultiple, options.tiles ?? DEFAULT_TILE_OPTIONS, async (y, rows, probs, c) => {
    if (whole) whole.set(probs, y * width * c);
    else await sink.rows(y, rows, argmaxClasses(probs, c), probs, uncertaintyOf(probs));
  }, undefined, options.signal, window);
  if (whole) {
    const image = refine.crf !== undefined ? await source.readWindow(0, 0, width, height) : new Float32Array(0);
    const refined = refineImage(whole, image, width, height, numClasses, meta.normalisation, refine);
    await sink.rows(0, height, refined.mask, refined.probs, uncertaintyOf(refined.probs));
  }
  return { uncertaintyScore: options.uncertainty ? entropySum / (window ? window.width * window.height : width * height) : null };
}

/** The dense CRF holds several float maps of the whole image: keep it to images of moderate size. */
const MAX_CRF_PIXELS = 25_000_000;

/** One slice of a raster as the model reads it: with the model's 2.5D neighbour slices, bands matched. */
export function modelInput(raster: Raster, meta: ModelMeta, slice = 0): PixelSource {
  return matchBands(sliceWithNeighbours(raster, slice, meta.sliceContext ?? 0), meta.inputChannels, raster.path);
}

/** Rec. 601 luma weights: an RGB image becomes grey as a television would show it. */
const LUMA = [0.299, 0.587, 0.114];

/**
 * Adapts a raster to the model's band count: an extra alpha band is dropped; grey becomes RGB by copying the band,
 * RGB becomes grey by its luma (Rec. 601); anything else is an error naming the file.
 */
export function matchBands(source: PixelSource & { path?: string }, bands: number, file: string): PixelSource {
  if (source.bands === bands) return source;
  const from = source.bands;
  const hasAlpha = from === 2 || from === 4;
  const colour = hasAlpha ? from - 1 : from;
  if ((colour !== 1 && colour !== 3) || (bands !== 1 && bands !== 3)) throw new InputError(file, `has ${from} band(s), the model expects ${bands}`);
  // One pixel from `values` at i into `out` at o; an alpha band is never read.
  type Convert = (values: Float32Array, i: number, out: Float32Array, o: number) => void;
  const copy: Convert = (v, i, out, o) => out.set(v.subarray(i, i + bands), o);
  const greyToRgb: Convert = (v, i, out, o) => out.fill(v[i]!, o, o + 3);
  const rgbToGrey: Convert = (v, i, out, o) => {
    out[o] = LUMA[0]! * v[i]! + LUMA[1]! * v[i + 1]! + LUMA[2]! * v[i + 2]!;
  };
  const pixel = colour === bands ? copy : colour === 1 ? greyToRgb : rgbToGrey;
  return {
    width: source.width,
    height: source.height,
    bands,
    async readWindow(x, y, w, h) {
      const values = await source.readWindow(x, y, w, h);
      const out = new Float32Array(w * h * bands);
      for (let i = 0; i < w * h; i++) pixel(values, i * from, out, i * bands);
      return out;
    },
  };
}
