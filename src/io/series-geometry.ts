// Where a DICOM series' voxels lie in patient space, as a NIfTI affine, and label volumes written with it.
import { InputError, type Raster } from './raster.ts';
import { writeNiftiLabels, type NiftiGeometry } from './nifti.ts';

/**
 * A DICOM series on the NIfTI voxel grid dcm2niix uses: i = column, j = rows - 1 - row (rows stored bottom-up),
 * k = slice in the series' order (ascending along the slice normal). `affine` maps (i, j, k) to RAS millimetres.
 */
export interface SeriesGeometry {
  /** Voxels along i, j, k: columns, rows, slices. */
  dims: [number, number, number];
  /** Millimetres between voxel centres along i, j, k. */
  spacing: [number, number, number];
  affine: number[][];
}

const NIFTI_XFORM_SCANNER_ANAT = 1;
const NIFTI_UNITS_MM = 2;

export function seriesGeometry(raster: Raster): SeriesGeometry {
  const meta = raster.metadata as {
    imageOrientationPatient?: number[] | null;
    imagePositionPatient?: (number[] | null)[];
    pixelSpacing?: number[] | null;
    sliceThickness?: number | null;
  };
  const orientation = meta.imageOrientationPatient;
  const positions = meta.imagePositionPatient ?? [];
  const pixelSpacing = meta.pixelSpacing;
  if (raster.format !== 'dicom') throw new InputError(raster.path, `is ${raster.format}, not a DICOM series`);
  if (orientation?.length !== 6) throw new InputError(raster.path, 'DICOM series has no ImageOrientationPatient');
  if (pixelSpacing?.length !== 2) throw new InputError(raster.path, 'DICOM series has no PixelSpacing');
  if (positions.length !== raster.slices || positions.some((p) => p?.length !== 3)) {
    throw new InputError(raster.path, `DICOM series has ImagePositionPatient for ${positions.filter((p) => p?.length === 3).length} of ${raster.slices} slices`);
  }
  const first = positions[0]!;
  const last = positions[positions.length - 1]!;
  const [rowSpacing, columnSpacing] = pixelSpacing;
  // DICOM: the first three cosines point along a row (column index grows), the next three down a column.
  const alongRow = orientation.slice(0, 3);
  const downColumn = orientation.slice(3, 6);
  const sliceStep = raster.slices > 1
    ? last.map((v, a) => (v - first[a]) / (raster.slices - 1))
    : scale(cross(alongRow, downColumn), meta.sliceThickness ?? 1);
  // LPS (DICOM) → RAS (NIfTI): negate x and y.
  const ras = (v: number[]) => [-v[0], -v[1], v[2]];
  const iAxis = ras(scale(alongRow, columnSpacing));
  const jAxis = ras(scale(downColumn, -rowSpacing));
  const kAxis = ras(sliceStep);
  // j = 0 is the last DICOM row.
  const origin = ras(first.map((v, a) => v + downColumn[a] * rowSpacing * (raster.height - 1)));
  const affine = [0, 1, 2].map((a) => [iAxis[a], jAxis[a], kAxis[a], origin[a]]);
  affine.push([0, 0, 0, 1]);
  return { dims: [raster.width, raster.height, raster.slices], spacing: [columnSpacing, rowSpacing, Math.hypot(...sliceStep)], affine };
}

/** NIfTI header geometry for the series: the sform is the exact affine, the qform its rotation
 * (a sheared, gantry-tilted series loses the shear there; readers prefer the sform). */
export function seriesNiftiGeometry(geometry: SeriesGeometry): NiftiGeometry {
  const { affine, spacing } = geometry;
  const columns = [0, 1, 2].map((c) => [affine[0][c], affine[1][c], affine[2][c]].map((v) => v / (spacing[c] || 1)));
  const qfac = det3(columns) < 0 ? -1 : 1;
  if (qfac < 0) columns[2] = scale(columns[2], -1);
  return {
    dims: geometry.dims,
    pixdim: [qfac, ...spacing, 1, 1, 1, 1],
    qformCode: NIFTI_XFORM_SCANNER_ANAT,
    sformCode: NIFTI_XFORM_SCANNER_ANAT,
    quatern: [...quaternionOf(columns), affine[0][3], affine[1][3], affine[2][3]],
    srow: affine.slice(0, 3).flat(),
    xyztUnits: NIFTI_UNITS_MM,
  };
}

/**
 * Writes a label volume of a DICOM series as NIfTI-1 that overlays the series (and dcm2niix's conversion of it).
 * `labels` is in DICOM order: slice-major, then row, then column, as readWindow gives slices.
 */
export async function writeSeriesLabelsAsNifti(file: string, seriesRaster: Raster, labels: Uint8Array): Promise<void> {
  const geometry = seriesGeometry(seriesRaster);
  const [columns, rows, slices] = geometry.dims;
  if (labels.length !== columns * rows * slices) {
    throw new RangeError(`${file}: ${labels.length} labels, expected ${slices} slices x ${rows} rows x ${columns} columns`);
  }
  await writeNiftiLabels(file, seriesNiftiGeometry(geometry), flipRows(labels, columns, rows, slices));
}

/** Reverses the row order of every slice (DICOM top-down ↔ NIfTI bottom-up); its own inverse. */
export function flipRows(volume: Uint8Array, columns: number, rows: number, slices: number): Uint8Array {
  const out = new Uint8Array(volume.length);
  for (let s = 0; s < slices; s++) {
    for (let r = 0; r < rows; r++) {
      const from = (s * rows + r) * columns;
      out.set(volume.subarray(from, from + columns), (s * rows + rows - 1 - r) * columns);
    }
  }
  return out;
}

/** Quaternion (b, c, d) of a proper rotation given by its columns, as nifti_mat44_to_quatern computes it. */
function quaternionOf(columns: number[][]): [number, number, number] {
  const r = (row: number, col: number) => columns[col][row];
  const [r11, r22, r33] = [r(0, 0), r(1, 1), r(2, 2)];
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r(2, 1) - r(1, 2))) / a;
    c = (0.25 * (r(0, 2) - r(2, 0))) / a;
    d = (0.25 * (r(1, 0) - r(0, 1))) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r(0, 1) + r(1, 0))) / b;
      d = (0.25 * (r(0, 2) + r(2, 0))) / b;
      a = (0.25 * (r(2, 1) - r(1, 2))) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r(0, 1) + r(1, 0))) / c;
      d = (0.25 * (r(1, 2) + r(2, 1))) / c;
      a = (0.25 * (r(0, 2) - r(2, 0))) / c;
    } else {
      d = 0.5 * Math.sqrt(1 + r33 - (r11 + r22));
      b = (0.25 * (r(0, 2) + r(2, 0))) / d;
      c = (0.25 * (r(1, 2) + r(2, 1))) / d;
      a = (0.25 * (r(1, 0) - r(0, 1))) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return [b, c, d];
}

function scale(v: number[], s: number): number[] {
  return v.map((x) => x * s);
}

function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function det3(columns: number[][]): number {
  const [a, b, c] = columns;
  return a[0] * (b[1] * c[2] - b[2] * c[1]) - b[0] * (a[1] * c[2] - a[2] * c[1]) + c[0] * (a[1] * b[2] - a[2] * b[1]);
}
