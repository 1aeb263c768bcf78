// The one display convention for volumes, decided here from where each voxel axis points in the patient: every
// slice is shown radiologically, as a DICOM series of standard orientation already is. Columns run toward the
// patient's left (toward posterior in sagittal planes), rows toward posterior (axial) or inferior (coronal and
// sagittal), so anterior is up and the patient's right is on the screen's left. Readers reverse an in-plane axis
// that points the other way; label writers reverse it back, so files keep their source geometry.

/** A direction in patient space, LPS (DICOM's frame: +x left, +y posterior, +z superior). */
export type Vec3 = [number, number, number];

/** The LPS directions of voxel axes i, j and k of a NIfTI affine (which maps voxels to RAS). */
export function lpsAxesOfAffine(affine: number[][]): [Vec3, Vec3, Vec3] {
  const axis = (c: number): Vec3 => [-affine[0]![c]!, -affine[1]![c]!, affine[2]![c]!];
  return [axis(0), axis(1), axis(2)];
}

/** Whether an in-plane axis pointing along `direction` is shown reversed: it should increase toward L, P or I. */
export function reversedForDisplay(direction: Vec3): boolean {
  const magnitudes = direction.map(Math.abs);
  const main = magnitudes.indexOf(Math.max(...magnitudes));
  if (magnitudes[main] === 0) return false;
  return main === 2 ? direction[2] > 0 : direction[main]! < 0;
}

/**
 * For a volume sliced along voxel axis `sliceAxis` (2: slices of constant k), which voxel axes are reversed on
 * screen: the two in-plane ones by the convention above, never the slice axis (slice numbers keep file order).
 */
export function displayReversals(axes: [Vec3, Vec3, Vec3], sliceAxis: 0 | 1 | 2): [boolean, boolean, boolean] {
  return [0, 1, 2].map((a) => a !== sliceAxis && reversedForDisplay(axes[a]!)) as [boolean, boolean, boolean];
}

/**
 * One slice (width × height, row-major) with its columns and/or rows reversed: between file order and display
 * order, either way (the reversal is its own inverse). Returns the same array when nothing is reversed.
 */
export function reverseInPlane(plane: Uint8Array, width: number, height: number, columns: boolean, rows: boolean): Uint8Array {
  if (!columns && !rows) return plane;
  const out = new Uint8Array(plane.length);
  for (let y = 0; y < height; y++) {
    const from = (rows ? height - 1 - y : y) * width;
    for (let x = 0; x < width; x++) out[y * width + x] = plane[from + (columns ? width - 1 - x : x)]!;
  }
  return out;
}
