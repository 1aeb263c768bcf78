// What an exported ONNX file says about itself, in two vocabularies: QGIS Deepness's keys (so a model trained in
// Segwork loads there with its classes, standardisation and tiling) and Segwork's own model description (so
// `segwork segment` can run a bare .onnx file), plus the fingerprint of the weights it was exported from.
import type { ModelMeta } from '../model-dir.ts';

/** Segwork's full ModelMeta, as JSON. */
export const SEGWORK_META_KEY = 'segwork';
/** SHA-256 of the weights.bin the graph was exported from: a model directory whose weights differ is stale. */
export const WEIGHTS_DIGEST_KEY = 'segwork_weights_sha256';

export interface OnnxExportHints {
  /** Tile edge the model is meant to run at (Deepness's tiles_size). */
  tileSize?: number;
  /** Overlap between tiles, in percent (Deepness's tiles_overlap). */
  overlapPercent?: number;
  /** Ground resolution in centimetres per pixel, when the training images were georeferenced. */
  resolutionCm?: number;
  /** SHA-256 (hex) of the weights file beside it. */
  weightsDigest?: string;
}

/**
 * Deepness scales 8-bit imagery to 0..1 before standardising, so Segwork's (value − mean) / std on raw values
 * is (value/255 − mean/255) / (std/255) there.
 */
export function onnxMetadata(meta: ModelMeta, hints: OnnxExportHints): Record<string, string> {
  const tileSize = hints.tileSize ?? 512;
  const out: Record<string, string> = {
    model_type: 'Segmentor',
    class_names: JSON.stringify(Object.fromEntries(meta.classes.map((c) => [String(c.index), c.name]))),
    standardization_mean: JSON.stringify(meta.normalisation.mean.map((m) => m / 255)),
    standardization_std: JSON.stringify(meta.normalisation.std.map((s) => s / 255)),
    tiles_size: String(tileSize),
    tile_size: String(tileSize),
    tiles_overlap: String(hints.overlapPercent ?? 50),
    [SEGWORK_META_KEY]: JSON.stringify(meta),
  };
  if (hints.resolutionCm !== undefined) out.resolution = String(hints.resolutionCm);
  if (hints.weightsDigest) out[WEIGHTS_DIGEST_KEY] = hints.weightsDigest;
  return out;
}
