// NIfTI-1/2 volumes (.nii, .nii.gz) as Rasters sliced along one axis; label volumes written back with the same geometry.
import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { InputError, type Raster, type RasterDType } from './raster.ts';
import { checkWindow } from './memory-raster.ts';
import { displayReversals, lpsAxesOfAffine, reverseInPlane } from './orientation.ts';
import { writeAtomic } from './write-atomic.ts';
import { causeText } from './error-text.ts';
import { getMaxDecodedPixels } from './limits.ts';

/** Voxel types: NIfTI datatype code → how to read one sample. RGB24 (128) is 3 uint8 bands. */
const DATATYPES: Record<number, { dtype: RasterDType; bytes: number; samples: number }> = {
  2: { dtype: 'uint8', bytes: 1, samples: 1 },
  4: { dtype: 'int16', bytes: 2, samples: 1 },
  8: { dtype: 'int32', bytes: 4, samples: 1 },
  16: { dtype: 'float32', bytes: 4, samples: 1 },
  64: { dtype: 'float64', bytes: 8, samples: 1 },
  128: { dtype: 'uint8', bytes: 1, samples: 3 },
  256: { dtype: 'int8', bytes: 1, samples: 1 },
  512: { dtype: 'uint16', bytes: 2, samples: 1 },
  768: { dtype: 'uint32', bytes: 4, samples: 1 },
};

/** The geometry a label volume needs to overlay its image in 3D Slicer / ITK-SNAP. JSON-serialisable. */
export interface NiftiGeometry {
  /** Voxels along i, j, k. */
  dims: [number, number, number];
  /** pixdim[0..7] as stored (pixdim[0] = qfac). */
  pixdim: number[];
  qformCode: number;
  sformCode: number;
  /** quatern_b, c, d, qoffset_x, y, z. */
  quatern: number[];
  /** srow_x, srow_y, srow_z (12 numbers). */
  srow: number[];
  xyztUnits: number;
}

export type NiftiAxis = 0 | 1 | 2;

/**
 * Opens a NIfTI volume. Slices run along `axis` (default 2: axial for RAS/LPS volumes): a slice of axis 2 is
 * width = dim i, height = dim j, each shown in the display convention of orientation.ts (a RAS file's i and j are
 * reversed, so anterior is up). A 4th and later dimension become bands.
 */
export async function openNifti(file: string, { axis = 2 }: { axis?: NiftiAxis } = {}): Promise<Raster> {
  const { header, image, version, srow } = await readNifti(file);
  // Only dim[1..dim[0]] are declared (and checked against the file's size); the rest may hold anything.
  const dims = header.dims.map((d, i) => (i === 0 || i <= header.dims[0] ? d : 1));
  const [nx, ny, nz] = [dims[1], dims[2], dims[3]];
  const type = DATATYPES[header.datatypeCode];
  const extraDims = dims.slice(4, dims[0] + 1).reduce((a, b) => a * Math.max(1, b), 1);
  const bands = type.samples * extraDims;
  const slope = header.scl_slope;
  const rescale = Number.isFinite(slope) && slope !== 0 && !(slope === 1 && (header.scl_inter || 0) === 0);
  const intercept = rescale ? header.scl_inter || 0 : 0;
  const view = new DataView(image);
  const little = header.littleEndian;
  const voxels = nx * ny * nz;
  const read = sampleReader(view, type.dtype, little);
  // Index of sample (i, j, k, band) in file order: RGB samples are interleaved, further dimensions are volumes.
  const sampleAt = (i: number, j: number, k: number, band: number) => {
    const volume = Math.floor(band / type.samples);
    const component = band % type.samples;
    return ((volume * voxels + i + j * nx + k * nx * ny) * type.samples + component) * type.bytes;
  };
  const plane = axis === 2 ? { w: nx, h: ny, n: nz } : axis === 1 ? { w: nx, h: nz, n: ny } : { w: ny, h: nz, n: nx };
  const geometry = geometryOf(header, srow);
  const affine = affineOf(geometry);
  const reversed = displayReversals(lpsAxesOfAffine(affine), axis);
  const voxelIndex = (value: number, size: number, a: 0 | 1 | 2) => (reversed[a] ? size - 1 - value : value);
  return {
    path: file,
    format: 'nifti',
    width: plane.w,
    height: plane.h,
    bands,
    dtype: rescale ? 'float32' : type.dtype,
    slices: plane.n,
    modality: 'volume',
    nodata: null,
    metadata: {
      version,
      shape: dims.slice(1, dims[0] + 1),
      datatype: header.datatypeCode,
      axis,
      sclSlope: rescale ? slope : 1,
      sclInter: intercept,
      pixdim: header.pixDims.slice(1, 4),
      affine,
      /** Voxel axes i, j, k shown reversed (orientation.ts); label writers reverse them back. */
      displayReversed: reversed,
      qformCode: geometry.qformCode,
      sformCode: geometry.sformCode,
      nifti: geometry,
      description: header.description,
    },
    async readWindow(x, y, w, h, slice = 0) {
      checkWindow(file, plane.w, plane.h, plane.n, x, y, w, h, slice);
      const out = new Float32Array(w * h * bands);
      let o = 0;
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          const [di, dj, dk] = axis === 2 ? [col, row, slice] : axis === 1 ? [col, slice, row] : [slice, col, row];
          const [i, j, k] = [voxelIndex(di, nx, 0), voxelIndex(dj, ny, 1), voxelIndex(dk, nz, 2)];
          for (let b = 0; b < bands; b++) {
            const v = read(sampleAt(i, j, k, b));
            out[o++] = rescale ? v * slope + intercept : v;
          }
        }
      }
      return out;
    },
    async close() {},
  };
}

type Header = ReturnType<typeof nifti.readHeader>;

async function readNifti(file: string): Promise<{ header: Header; image: ArrayBuffer; version: 1 | 2; srow: number[] }> {
  const bytes = await readFile(file);
  let data: ArrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    if (nifti.isCompressed(data)) {
      // Deflate expands at most 1032-fold, and no volume may pass the decoded-pixel cap (as float64): a damaged or
      // hostile gzip stops there instead of filling memory.
      const limit = Math.min(bytes.length * 1032 + 65536, getMaxDecodedPixels() * 8 + 65536);
      const unpacked = gunzipSync(bytes, { maxOutputLength: limit });
      data = unpacked.buffer.slice(unpacked.byteOffset, unpacked.byteOffset + unpacked.byteLength) as ArrayBuffer;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new InputError(file, 'gzip stream unpacks to more than any volume Segwork may read (a damaged or hostile file)');
    throw new InputError(file, `truncated or corrupt gzip in NIfTI file: ${causeText(error)}`);
  }
  if (!nifti.isNIFTI(data)) throw new InputError(file, 'not a NIfTI-1/2 file (no "n+1"/"n+2" magic)');
  let header: Header;
  try {
    header = nifti.readHeader(data);
  } catch (error) {
    throw new InputError(file, `corrupt NIfTI header: ${causeText(error)}`);
  }
  const version = nifti.isNIFTI2(data) ? 2 : 1;
  const dims = header.dims;
  if (!(dims[0] >= 1 && dims[0] <= 7)) throw new InputError(file, `impossible NIfTI header: dim[0] = ${dims[0]} (must be 1..7)`);
  for (let d = 1; d <= dims[0]; d++) {
    if (!(Number.isInteger(dims[d]) && dims[d] >= 1)) throw new InputError(file, `impossible NIfTI header: dim[${d}] = ${dims[d]}`);
  }
  const type = DATATYPES[header.datatypeCode];
  if (!type) throw new InputError(file, `unsupported NIfTI datatype code ${header.datatypeCode}`);
  const samples = dims.slice(1, dims[0] + 1).reduce((a, b) => a * b, 1) * type.samples;
  const offset = Number(header.vox_offset);
  if (!Number.isFinite(offset) || offset < 0) throw new InputError(file, 'impossible NIfTI header: vox_offset is not a byte offset (negative, infinite or not a number)');
  if ( offset + samples * type.bytes > data.byteLength) {
    throw new InputError(file, `truncated NIfTI: header promises ${samples * type.bytes} bytes of voxels at offset ${offset}, file holds ${data.byteLength}`);
  }
  return { header, image: data.slice(offset, offset + samples * type.bytes), version, srow: readSrow(data, version, header.littleEndian) };
}

function sampleReader(view: DataView, dtype: RasterDType, little: boolean): (at: number) => number {
  switch (dtype) {
    case 'uint8': return (at) => view.getUint8(at);
    case 'int8': return (at) => view.getInt8(at);
    case 'int16': return (at) => view.getInt16(at, little);
    case 'uint16': return (at) => view.getUint16(at, little);
    case 'int32': return (at) => view.getInt32(at, little);
    case 'uint32': return (at) => view.getUint32(at, little);
    case 'float32': return (at) => view.getFloat32(at, little);
    case 'float64': return (at) => view.getFloat64(at, little);
  }
}

/** srow_x, srow_y, srow_z straight from the header bytes (the library only exposes whichever form it chose). */
function readSrow(data: ArrayBuffer, version: 1 | 2, little: boolean): number[] {
  const view = new DataView(data);
  return Array.from({ length: 12 }, (_, i) => (version === 1 ? view.getFloat32(280 + i * 4, little) : view.getFloat64(400 + i * 8, little)));
}

function geometryOf(header: Header, srow: number[]): NiftiGeometry {
  return {
    dims: [header.dims[1], header.dims[2] || 1, header.dims[3] || 1],
    pixdim: header.pixDims.slice(0, 8),
    qformCode: header.qform_code,
    sformCode: header.sform_code,
    quatern: [header.quatern_b, header.quatern_c, header.quatern_d, header.qoffset_x, header.qoffset_y, header.qoffset_z],
    srow,
    xyztUnits: header.xyzt_units,
  };
}

/** Voxel → world (RAS mm) 4x4, as nibabel chooses it: sform when sform_code > 0, else qform, else pixdim scaling. */
export function affineOf(g: NiftiGeometry): number[][] {
  if (g.sformCode > 0 && g.srow.some((v) => v !== 0)) {
    return [g.srow.slice(0, 4), g.srow.slice(4, 8), g.srow.slice(8, 12), [0, 0, 0, 1]];
  }
  const [dx, dy, dz] = [g.pixdim[1] || 1, g.pixdim[2] || 1, g.pixdim[3] || 1];
  if (g.qformCode > 0) {
    const [b, c, d, qx, qy, qz] = g.quatern;
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = g.pixdim[0] < 0 ? -1 : 1;
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    return [
      [r[0][0] * dx, r[0][1] * dy, r[0][2] * dz * qfac, qx],
      [r[1][0] * dx, r[1][1] * dy, r[1][2] * dz * qfac, qy],
      [r[2][0] * dx, r[2][1] * dy, r[2][2] * dz * qfac, qz],
      [0, 0, 0, 1],
    ];
  }
  return [[dx, 0, 0, 0], [0, dy, 0, 0], [0, 0, dz, 0], [0, 0, 0, 1]];
}

/** Axis-2 slices as shown, back in the file's voxel order: reversed axes are reversed again (its own inverse). */
function inFileOrder(shown: Uint8Array, [nx, ny, nz]: [number, number, number], reversed: [boolean, boolean, boolean] = [false, false, false]): Uint8Array {
  if (!reversed.some(Boolean)) return shown;
  const out = new Uint8Array(shown.length);
  const plane = nx * ny;
  for (let k = 0; k < nz; k++) {
    const fk = reversed[2] ? nz - 1 - k : k;
    out.set(reverseInPlane(shown.subarray(k * plane, (k + 1) * plane), nx, ny, reversed[0], reversed[1]), fk * plane);
  }
  return out;
}

const NIFTI1_HEADER_BYTES = 348;
const NIFTI1_VOX_OFFSET = 352;

/**
 * Writes a uint8 label volume as NIfTI-1 with the reference geometry (qform and sform kept), gzipped when the
 * name ends in .gz. With a geometry, `labels` is in NIfTI order (i fastest); with a NIfTI raster (sliced along
 * axis 2), in the order its readWindow shows slices, which is turned back into the file's own order.
 */
export async function writeNiftiLabels(file: string, reference: Raster | NiftiGeometry, shown: Uint8Array): Promise<void> {
  const geometry = 'dims' in reference ? reference : (reference.metadata.nifti as NiftiGeometry | undefined);
  if (!geometry) throw new InputError(reference instanceof Object && 'path' in reference ? String(reference.path) : file, 'has no NIfTI geometry to copy');
  const [nx, ny, nz] = geometry.dims;
  if (shown.length !== nx * ny * nz) {
    throw new RangeError(`${file}: ${shown.length} labels, expected ${nx}x${ny}x${nz} = ${nx * ny * nz}`);
  }
  const labels = 'dims' in reference ? shown : inFileOrder(shown, geometry.dims, reference.metadata.displayReversed as [boolean, boolean, boolean] | undefined);
  const out = new Uint8Array(NIFTI1_VOX_OFFSET + labels.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, NIFTI1_HEADER_BYTES, true);
  v.setUint8(38, 'r'.charCodeAt(0)); // regular = 'r', as nibabel writes
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((d, i) => v.setInt16(40 + i * 2, d, true));
  v.setInt16(70, 2, true); // datatype uint8
  v.setInt16(72, 8, true); // bitpix
  geometry.pixdim.forEach((p, i) => v.setFloat32(76 + i * 4, i === 0 ? (p < 0 ? -1 : 1) : p, true));
  v.setFloat32(108, NIFTI1_VOX_OFFSET, true);
  v.setFloat32(112, 1, true); // scl_slope
  v.setFloat32(116, 0, true); // scl_inter
  v.setUint8(123, geometry.xyztUnits);
  const description = 'segwork labels';
  for (let i = 0; i < description.length; i++) v.setUint8(148 + i, description.charCodeAt(i));
  v.setInt16(252, geometry.qformCode, true);
  v.setInt16(254, geometry.sformCode, true);
  geometry.quatern.forEach((q, i) => v.setFloat32(256 + i * 4, q, true));
  geometry.srow.forEach((s, i) => v.setFloat32(280 + i * 4, s, true));
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  out.set(labels, NIFTI1_VOX_OFFSET);
  await writeAtomic(file, file.toLowerCase().endsWith('.gz') ? gzipSync(out) : out);
}
