// A volume seen along another axis. Slices of a volume raster are its k axis (axial for an axial series); axis 1
// shows planes of constant row j (coronal: width = columns, height = slices), axis 0 planes of constant column i
// (sagittal: width = rows, height = slices). The last slice is the top row, so the head of an axial series
// (slices ascending from the feet) is up.
import type { VolumeAxis } from '../api/types.ts';
import { checkWindow } from './memory-raster.ts';
import type { Raster } from './raster.ts';


/** Plane size and count along `axis` for a width × height × slices volume. */
export function planeAlong(axis: VolumeAxis, width: number, height: number, slices: number): { width: number; height: number; count: number } {
  if (axis === 2) return { width, height, count: slices };
  if (axis === 1) return { width, height: slices, count: height };
  return { width: height, height: slices, count: width };
}

/** The volume slice shown on `row` of a resliced plane `height` rows high (top row = last slice). */
export function sliceOfRow(height: number, row: number): number {
  return height - 1 - row;
}

/** `raster` resliced along `axis`; axis 2 is the raster itself. Each plane reads one row or column of every slice. */
export function resliced(raster: Raster, axis: VolumeAxis): Raster {
  if (axis === 2) return raster;
  const plane = planeAlong(axis, raster.width, raster.height, raster.slices);
  const bands = raster.bands;
  return {
    ...raster,
    path: raster.path,
    width: plane.width,
    height: plane.height,
    slices: plane.count,
    metadata: { ...raster.metadata, viewAxis: axis },
    async readWindow(x, y, w, h, slice = 0) {
      checkWindow(raster.path, plane.width, plane.height, plane.count, x, y, w, h, slice);
      const out = new Float32Array(w * h * bands);
      for (let row = 0; row < h; row++) {
        const k = sliceOfRow(plane.height, y + row);
        // Coronal row = row `slice` of volume slice k; sagittal row = column `slice` of volume slice k.
        const values = axis === 1 ? await raster.readWindow(x, slice, w, 1, k) : await raster.readWindow(slice, x, 1, w, k);
        out.set(values, row * w * bands);
      }
      return out;
    },
    close: () => raster.close(),
  };
}
