// Labeled images for training and evaluation: pairs images with masks by file name, checks sizes and classes,
// and derives what the model needs from the data (band normalisation, class frequencies).
import * as path from 'node:path';
import { UNLABELED } from '../api/types.ts';
import { checkMaskFits, labelStemOf, listImageFiles, openRaster, readMaskSlices, readSliceWithNeighbours, stemOf, type MaskOptions } from '../io/index.ts';
import { InputError } from '../io/raster.ts';
import type { Normalisation } from '../models/model-dir.ts';

export interface LabeledImage {
  name: string;
  imagePath: string;
  maskPath: string;
  width: number;
  height: number;
  bands: number;
  /** Raw decoded values, pixel-interleaved. */
  image: Float32Array;
  /** Class index per pixel, 255 unlabeled. */
  mask: Uint8Array;
}

export interface ImageLabelPair {
  name: string;
  imagePath: string;
  maskPath: string;
}

/**
 * Pairs every image with the label of the same stem; an empty folder or no pair at all is an error. `imageStem`
 * names the first folder's files: `score` pairs two folders of masks, either of which may be an export (`.labels`).
 */
export async function pairImagesWithLabels(imagesDir: string, labelsDir: string, imageStem: (file: string) => string = stemOf): Promise<{ pairs: ImageLabelPair[]; unpaired: string[] }> {
  const images = await listImageFiles(imagesDir, { recursive: false });
  if (images.length === 0) throw new InputError(imagesDir, 'no images found (empty folder or no supported files)');
  const labels = await listImageFiles(labelsDir, { recursive: false });
  if (labels.length === 0) throw new InputError(labelsDir, 'no label masks found (empty folder or no supported files)');
  const labelByStem = new Map(labels.map((p) => [labelStemOf(p), p]));
  const pairs: ImageLabelPair[] = [];
  const unpaired: string[] = [];
  for (const imagePath of images) {
    const stem = imageStem(imagePath);
    const maskPath = labelByStem.get(stem);
    if (maskPath) pairs.push({ name: stem, imagePath, maskPath });
    else unpaired.push(imagePath);
  }
  if (pairs.length === 0) {
    throw new InputError(labelsDir, `no label has the file name of an image in ${imagesDir} (e.g. ${path.basename(images[0]!)})`);
  }
  return { pairs, unpaired };
}

export interface LoadOptions extends MaskOptions {
  /** 2.5D: neighbour slices on each side stacked as bands (volumes only). */
  sliceContext?: number;
}

/**
 * A pair as training items: one for a 2D image; for a volume with a label volume (NIfTI), one per slice that has
 * a labeled pixel, named "stem [slice k]".
 */
export async function loadLabeledSlices(pair: ImageLabelPair, options: LoadOptions): Promise<LabeledImage[]> {
  const raster = await openRaster(pair.imagePath);
  try {
    const masks = await readMaskSlices(pair.maskPath, options);
    checkMaskFits(pair.maskPath, masks, { ...raster, name: path.basename(pair.imagePath) });
    const out: LabeledImage[] = [];
    for (const [slice, mask] of masks.entries()) {
      if (masks.length > 1 && !mask.data.some((v) => v !== UNLABELED)) continue;
      const image = await readSliceWithNeighbours(raster, slice, options.sliceContext ?? 0);
      const name = masks.length > 1 ? `${pair.name} [slice ${slice}]` : pair.name;
      out.push({ ...pair, name, width: image.width, height: image.height, bands: image.bands, image: image.data, mask: mask.data });
    }
    return out;
  } finally {
    await raster.close();
  }
}

export async function loadLabeledImages(pairs: ImageLabelPair[], options: LoadOptions): Promise<LabeledImage[]> {
  const out: LabeledImage[] = [];
  for (const pair of pairs) {
    for (const item of await loadLabeledSlices(pair, options)) {
      if (out.length > 0 && item.bands !== out[0]!.bands) {
        throw new InputError(pair.imagePath, `has ${item.bands} bands but ${path.basename(out[0]!.imagePath)} has ${out[0]!.bands}`);
      }
      out.push(item);
    }
  }
  return out;
}

/** Per-band mean and standard deviation over all pixels of all images. */
export function computeNormalisation(images: { bands: number; image: Float32Array }[]): Normalisation {
  const bands = images[0]!.bands;
  const sum = new Float64Array(bands);
  const sumSq = new Float64Array(bands);
  let count = 0;
  for (const { image } of images) {
    for (let i = 0; i < image.length; i += bands) {
      for (let b = 0; b < bands; b++) {
        const v = image[i + b]!;
        sum[b]! += v;
        sumSq[b]! += v * v;
      }
    }
    count += image.length / bands;
  }
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sumSq, (s, b) => Math.sqrt(Math.max(s / count - mean[b]! ** 2, 0)) || 1);
  return { mean, std };
}

/** Labeled pixel count per class. */
export function classCounts(masks: Uint8Array[], numClasses: number): number[] {
  const counts = new Float64Array(numClasses);
  for (const mask of masks) {
    for (let i = 0; i < mask.length; i++) {
      const v = mask[i]!;
      if (v !== UNLABELED) counts[v]!++;
    }
  }
  return Array.from(counts);
}

/** Median frequency balancing (Eigen & Fergus): weight = median(freq) / freq; absent classes get 0. */
export function medianFrequencyWeights(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).map((c) => c / total).sort((a, b) => a - b);
  if (present.length === 0) return counts.map(() => 1);
  const mid = present.length >> 1;
  const median = present.length % 2 ? present[mid]! : (present[mid - 1]! + present[mid]!) / 2;
  return counts.map((c) => (c > 0 ? median / (c / total) : 0));
}

/** The number of classes a set of masks implies when no class list is given. */
export function inferNumClasses(masks: Uint8Array[]): number {
  let max = 0;
  for (const mask of masks) for (let i = 0; i < mask.length; i++) if (mask[i]! !== UNLABELED && mask[i]! > max) max = mask[i]!;
  return Math.max(2, max + 1);
}
