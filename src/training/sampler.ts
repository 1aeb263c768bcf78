// Random patches from images of any size. With sparse labels (scribbles) most random windows hold no labeled
// pixel, so half the patches are centred on a labeled pixel and empty patches are drawn again.
import { UNLABELED } from '../api/types.ts';
import type { Normalisation } from '../models/model-dir.ts';
import { dihedral, photometric, type Patch } from './augment.ts';
import type { LabeledImage } from './dataset.ts';
import { elasticDeform } from './elastic.ts';
import type { Rng } from './rng.ts';

export interface Batch {
  /** [batch, size, size, bands], normalised. */
  images: Float32Array;
  /** [batch, size, size], class index or 255. */
  masks: Uint8Array;
  /** [batch, size, size], per-pixel loss weights (the separation weight map) when the sampler has weight maps. */
  weights?: Float32Array;
  batchSize: number;
  size: number;
  bands: number;
}

/** U-Net's training recipe, each part off unless set. */
export interface SamplerRecipe {
  /** Elastic deformation's displacement σ in pixels (0: none); applied whether or not `augment` is. */
  elasticSigma?: number;
  /** Each training image's separation weight map (training/weight-map.ts), cut and deformed with its labels. */
  weightMaps?: Map<LabeledImage, Float32Array>;
}

interface Source {
  item: LabeledImage;
  /** Indices of labeled pixels when labels are sparse; null when most pixels are labeled. */
  labeled: Uint32Array | null;
}

export class PatchSampler {
  private readonly sources: Source[];

  constructor(
    items: LabeledImage[],
    private readonly size: number,
    private readonly normalisation: Normalisation,
    private readonly rng: Rng,
    private readonly augment: boolean,
    private readonly recipe: SamplerRecipe = {},
  ) {
    this.sources = items
      .map((item) => ({ item, labeled: sparseLabeledIndices(item.mask) }))
      .filter((s) => s.labeled === null || s.labeled.length > 0);
    if (this.sources.length === 0) throw new Error('no labeled pixels in the training images');
  }

  nextBatch(batchSize: number): Batch {
    const bands = this.sources[0]!.item.bands;
    const px = this.size * this.size;
    const images = new Float32Array(batchSize * px * bands);
    const masks = new Uint8Array(batchSize * px);
    const weights = this.recipe.weightMaps ? new Float32Array(batchSize * px) : undefined;
    for (let b = 0; b < batchSize; b++) {
      const patch = this.samplePatch();
      images.set(patch.image, b * px * bands);
      masks.set(patch.mask, b * px);
      if (weights) weights.set(patch.weights!, b * px);
    }
    return { images, masks, ...(weights ? { weights } : {}), batchSize, size: this.size, bands };
  }

  private samplePatch(): Patch {
    let patch: Patch | null = null;
    for (let attempt = 0; attempt < 10; attempt++) {
      const source = this.sources[this.rng.int(this.sources.length)]!;
      const scale = this.augment ? Math.exp((this.rng.next() - 0.5) * 0.6) : 1; // ≈ 0.74 … 1.35
      const window = Math.max(1, Math.round(this.size * scale));
      const { x, y } = this.pickWindow(source, window);
      patch = extractPatch(source.item, x, y, window, this.size, this.normalisation, this.recipe.weightMaps?.get(source.item));
      if (patch.mask.some((v) => v !== UNLABELED)) break;
    }
    if (this.recipe.elasticSigma) elasticDeform(patch!, this.recipe.elasticSigma, this.rng);
    if (this.augment) {
      dihedral(patch!, this.rng.int(8));
      photometric(patch!, this.rng);
    }
    return patch!;
  }

  private pickWindow(source: Source, window: number): { x: number; y: number } {
    const { width, height } = source.item;
    if (source.labeled && this.rng.next() < 0.5) {
      const idx = source.labeled[this.rng.int(source.labeled.length)]!;
      const cx = idx % width;
      const cy = Math.floor(idx / width);
      return { x: cx - (window >> 1), y: cy - (window >> 1) };
    }
    return { x: this.rng.int(Math.max(1, width - window + 1)), y: this.rng.int(Math.max(1, height - window + 1)) };
  }
}

function sparseLabeledIndices(mask: Uint8Array): Uint32Array | null {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== UNLABELED) count++;
  if (count > mask.length / 2) return null;
  const out = new Uint32Array(count);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== UNLABELED) out[j++] = i;
  return out;
}

/** A batch's pixel weights, which a loss with pixel weights cannot do without. */
export function requiredWeights(batch: Batch): Float32Array {
  if (!batch.weights) throw new Error('the loss weights pixels but the batch has no weight map');
  return batch.weights;
}

/**
 * Cuts a window×window region at (x0, y0), resampled to size×size (bilinear image, nearest mask and weights) and
 * normalised. Outside the image: value 0 after normalisation (the band mean), mask unlabeled, weight 0.
 */
export function extractPatch(item: LabeledImage, x0: number, y0: number, window: number, size: number, norm: Normalisation, weightMap?: Float32Array): Patch {
  const { width, height, bands } = item;
  const image = new Float32Array(size * size * bands);
  const mask = new Uint8Array(size * size).fill(UNLABELED);
  const weights = weightMap ? new Float32Array(size * size) : undefined;
  const step = window / size;
  const inv = norm.std.map((s) => 1 / s);
  for (let py = 0; py < size; py++) {
    const sy = y0 + (py + 0.5) * step - 0.5;
    for (let px = 0; px < size; px++) {
      const sx = x0 + (px + 0.5) * step - 0.5;
      const dst = py * size + px;
      const nx = Math.round(sx);
      const ny = Math.round(sy);
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      mask[dst] = item.mask[ny * width + nx]!;
      if (weights) weights[dst] = weightMap![ny * width + nx]!;
      if (step === 1) {
        const src = (ny * width + nx) * bands;
        for (let b = 0; b < bands; b++) image[dst * bands + b] = (item.image[src + b]! - norm.mean[b]!) * inv[b]!;
        continue;
      }
      const fx = Math.min(Math.max(sx, 0), width - 1);
      const fy = Math.min(Math.max(sy, 0), height - 1);
      const ix = Math.min(Math.floor(fx), width - 2 < 0 ? 0 : width - 2);
      const iy = Math.min(Math.floor(fy), height - 2 < 0 ? 0 : height - 2);
      const ax = width > 1 ? fx - ix : 0;
      const ay = height > 1 ? fy - iy : 0;
      const x1 = Math.min(ix + 1, width - 1);
      const y1 = Math.min(iy + 1, height - 1);
      for (let b = 0; b < bands; b++) {
        const v00 = item.image[(iy * width + ix) * bands + b]!;
        const v01 = item.image[(iy * width + x1) * bands + b]!;
        const v10 = item.image[(y1 * width + ix) * bands + b]!;
        const v11 = item.image[(y1 * width + x1) * bands + b]!;
        const v = (v00 * (1 - ax) + v01 * ax) * (1 - ay) + (v10 * (1 - ax) + v11 * ax) * ay;
        image[dst * bands + b] = (v - norm.mean[b]!) * inv[b]!;
      }
    }
  }
  return { size, bands, image, mask, ...(weights ? { weights } : {}) };
}
