// 2.5D input: one slice of a volume with its neighbours stacked as extra bands, so a 2D network sees some of the
// third dimension. Training and prediction read pixels through the same function, so they always agree.
import type { Raster } from './raster.ts';

export interface SliceView {
  width: number;
  height: number;
  bands: number;
  readWindow(x: number, y: number, w: number, h: number): Promise<Float32Array>;
}

/**
 * Slice `slice` of `raster` with `context` neighbours on each side: bands are slice − context … slice + context in
 * order, each with the raster's own bands. Neighbours beyond the volume's ends repeat the end slice (clamped).
 */
export function sliceWithNeighbours(raster: Raster, slice: number, context = 0): SliceView {
  if (!Number.isInteger(slice) || slice < 0 || slice >= raster.slices) {
    throw new RangeError(`${raster.path}: slice ${slice} is outside 0..${raster.slices - 1}`);
  }
  const { width, height, bands } = raster;
  if (context === 0) return { width, height, bands, readWindow: (x, y, w, h) => raster.readWindow(x, y, w, h, slice) };
  const span = 2 * context + 1;
  return {
    width,
    height,
    bands: bands * span,
    async readWindow(x, y, w, h) {
      const out = new Float32Array(w * h * bands * span);
      for (let k = 0; k < span; k++) {
        const neighbour = Math.min(raster.slices - 1, Math.max(0, slice - context + k));
        const values = await raster.readWindow(x, y, w, h, neighbour);
        for (let p = 0; p < w * h; p++) {
          for (let b = 0; b < bands; b++) out[(p * span + k) * bands + b] = values[p * bands + b]!;
        }
      }
      return out;
    },
  };
}

/** The whole of one (stacked) slice in memory. */
export async function readSliceWithNeighbours(raster: Raster, slice: number, context = 0): Promise<{ width: number; height: number; bands: number; data: Float32Array }> {
  const view = sliceWithNeighbours(raster, slice, context);
  return { width: view.width, height: view.height, bands: view.bands, data: await view.readWindow(0, 0, view.width, view.height) };
}
