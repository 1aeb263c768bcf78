// DICOM images and series as Rasters: headers read once, pixels decoded per slice on demand, values rescaled (CT → HU).
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DataSet } from 'dicom-parser';
import { InputError, type Raster, type RasterDType } from './raster.ts';
import { checkWindow } from './memory-raster.ts';
import { decodeFrame, dicomParser, type PixelFormat } from './dicom-pixels.ts';
import { causeText } from './error-text.ts';
import { checkDecodedSize } from './limits.ts';
import { transferSyntaxName } from './dicom-transfer-syntax.ts';
import { listImageFiles } from './files.ts';

/** What we keep of one DICOM file: enough to sort, check and describe it, no pixels. */
export interface DicomHeader {
  file: string;
  transferSyntax: string;
  sopClassUID: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  frameOfReferenceUID: string;
  seriesDescription: string;
  modality: string;
  instanceNumber: number | null;
  imagePosition: number[] | null;
  imageOrientation: number[] | null;
  /** [row spacing, column spacing] in mm. */
  pixelSpacing: number[] | null;
  sliceThickness: number | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  rescaleType: string | null;
  window: { center: number; width: number } | null;
  pixel: PixelFormat;
}

const CACHED_SLICES = 4;

/** Parses a whole DICOM file; every failure is an InputError naming the file. */
export async function parseDicomFile(file: string): Promise<{ dataSet: DataSet; header: DicomHeader }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new InputError(file, `cannot read DICOM file (${(error as NodeJS.ErrnoException).code ?? causeText(error)})`);
  }
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes);
  } catch (error) {
    throw new InputError(file, `truncated or corrupt DICOM: ${causeText(error)}`);
  }
  try {
    return { dataSet, header: readHeader(file, dataSet) };
  } catch (error) {
    // dicom-parser's value readers throw strings when an element's length sends them past the end of the file.
    if (error instanceof InputError) throw error;
    throw new InputError(file, `corrupt DICOM header: ${causeText(error)}`);
  }
}

function readHeader(file: string, ds: DataSet): DicomHeader {
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  if (!rows || !columns || !ds.elements.x7fe00010) {
    const modality = ds.string('x00080060') ?? 'unknown modality';
    throw new InputError(file, `DICOM file has no image (${modality}, no Rows/Columns/Pixel Data)`);
  }
  const samplesPerPixel = ds.uint16('x00280002') ?? 1;
  checkDecodedSize(file, 'DICOM frame', columns, rows, samplesPerPixel);
  // Every frame takes at least one byte of pixel data, so a frame count past that is damage (and would be allocated).
  const declared = ds.intString('x00280008');
  if (declared !== undefined && !(Number.isSafeInteger(declared) && declared >= 0)) {
    throw new InputError(file, `NumberOfFrames (0028,0008) is "${(ds.string('x00280008') ?? '').slice(0, 40)}", not a whole number`);
  }
  const frames = Math.max(1, declared ?? 1);
  if (frames > Math.max(1, ds.elements.x7fe00010.length)) {
    throw new InputError(file, `DICOM header declares ${frames} frames, more than its ${ds.elements.x7fe00010.length} bytes of pixel data can hold`);
  }
  const numbers = (tag: string) => {
    const count = ds.numStringValues(tag) ?? 0;
    const values = Array.from({ length: count }, (_, i) => ds.floatString(tag, i) ?? NaN);
    return count > 0 && values.every(Number.isFinite) ? values : null;
  };
  const centre = ds.floatString('x00281050');
  const width = ds.floatString('x00281051');
  const bitsAllocated = ds.uint16('x00280100') ?? 16;
  const slope = ds.floatString('x00281053');
  const intercept = ds.floatString('x00281052');
  return {
    file,
    transferSyntax: ds.string('x00020010') ?? '1.2.840.10008.1.2',
    // Some anonymisers keep these two only in the file meta header (MediaStorageSOPClass/InstanceUID).
    sopClassUID: ds.string('x00080016') ?? ds.string('x00020002') ?? '',
    sopInstanceUID: ds.string('x00080018') ?? ds.string('x00020003') ?? '',
    studyInstanceUID: ds.string('x0020000d') ?? '',
    seriesInstanceUID: ds.string('x0020000e') ?? '',
    frameOfReferenceUID: ds.string('x00200052') ?? '',
    seriesDescription: ds.string('x0008103e') ?? '',
    modality: ds.string('x00080060') ?? 'OT',
    instanceNumber: ds.intString('x00200013') ?? null,
    imagePosition: numbers('x00200032'),
    imageOrientation: numbers('x00200037'),
    pixelSpacing: numbers('x00280030'),
    sliceThickness: ds.floatString('x00180050') ?? null,
    rescaleSlope: Number.isFinite(slope) && slope !== 0 ? slope! : 1,
    rescaleIntercept: Number.isFinite(intercept) ? intercept! : 0,
    rescaleType: ds.string('x00281054') ?? null,
    window: Number.isFinite(centre) && Number.isFinite(width) && width! >= 1 ? { center: centre!, width: width! } : null,
    pixel: {
      rows,
      columns,
      samplesPerPixel,
      bitsAllocated,
      bitsStored: ds.uint16('x00280101') ?? bitsAllocated,
      pixelRepresentation: ds.uint16('x00280103') ?? 0,
      planarConfiguration: ds.uint16('x00280006') ?? 0,
      photometric: (ds.string('x00280004') ?? 'MONOCHROME2').trim(),
      frames,
    },
  };
}

/** One DICOM file; a multi-frame file has one slice per frame. */
export async function openDicom(file: string): Promise<Raster> {
  const { header } = await parseDicomFile(file);
  return dicomRaster(file, [header]);
}

export interface DicomSeriesSummary {
  seriesInstanceUID: string;
  modality: string;
  description: string;
  files: number;
}

/** The series in a folder (not recursive), largest first. */
export async function listDicomSeries(dir: string): Promise<DicomSeriesSummary[]> {
  const groups = await readSeriesHeaders(dir);
  return [...groups.values()]
    .map((headers) => ({ seriesInstanceUID: headers[0].seriesInstanceUID, modality: headers[0].modality, description: headers[0].seriesDescription, files: headers.length }))
    .sort((a, b) => b.files - a.files);
}

/**
 * A folder of DICOM files as one volume: files grouped by SeriesInstanceUID (pick one with `seriesInstanceUID`
 * when the folder holds several), sorted along the slice normal by ImagePositionPatient, else by InstanceNumber.
 */
export async function openDicomSeries(dir: string, seriesInstanceUID?: string): Promise<Raster> {
  const groups = await readSeriesHeaders(dir);
  if (groups.size === 0) throw new InputError(dir, 'no DICOM images in this folder');
  let headers: DicomHeader[] | undefined;
  if (seriesInstanceUID) {
    headers = groups.get(seriesInstanceUID);
    if (!headers) throw new InputError(dir, `no series ${seriesInstanceUID} here (series: ${[...groups.keys()].join(', ')})`);
  } else if (groups.size > 1) {
    const list = [...groups.entries()].map(([uid, h]) => `${uid} (${h[0].modality}, ${h.length} files)`).join('; ');
    throw new InputError(dir, `folder holds ${groups.size} DICOM series, choose one: ${list}`);
  } else {
    headers = [...groups.values()][0];
  }
  const sorted = sortSlices(headers);
  checkConsistent(sorted);
  return dicomRaster(dir, sorted);
}

async function readSeriesHeaders(dir: string): Promise<Map<string, DicomHeader[]>> {
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new InputError(dir, 'not a folder');
  const files = (await listImageFiles(dir)).filter(mayBeDicomFile);
  const groups = new Map<string, DicomHeader[]>();
  for (const file of files) {
    const { header } = await parseDicomFile(file);
    const key = header.seriesInstanceUID || '(no SeriesInstanceUID)';
    groups.set(key, [...(groups.get(key) ?? []), header]);
  }
  return groups;
}

/** Whether a listed image file may be DICOM (every other format has its extension). */
export function mayBeDicomFile(file: string): boolean {
  return !/\.(png|jpe?g|tiff?|nii(\.gz)?)$/i.test(file);
}

function sortSlices(headers: DicomHeader[]): DicomHeader[] {
  const orientation = headers[0].imageOrientation;
  const positioned = orientation?.length === 6 && headers.every((h) => h.imagePosition?.length === 3);
  const normal = positioned ? cross(orientation!.slice(0, 3), orientation!.slice(3, 6)) : null;
  const key = (h: DicomHeader) => (normal ? dot(normal, h.imagePosition!) : h.instanceNumber ?? 0);
  return [...headers].sort((a, b) => key(a) - key(b) || (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) || a.file.localeCompare(b.file));
}

function checkConsistent(headers: DicomHeader[]): void {
  const first = headers[0];
  for (const h of headers) {
    const a = first.pixel;
    const b = h.pixel;
    if (a.rows !== b.rows || a.columns !== b.columns || a.samplesPerPixel !== b.samplesPerPixel) {
      throw new InputError(h.file, `does not match its series: ${b.columns}x${b.rows}x${b.samplesPerPixel} but ${path.basename(first.file)} is ${a.columns}x${a.rows}x${a.samplesPerPixel}`);
    }
    if (h.pixel.frames !== 1 && headers.length > 1) {
      throw new InputError(h.file, `multi-frame file (${h.pixel.frames} frames) inside a series of ${headers.length} files`);
    }
  }
}

function dicomRaster(source: string, headers: DicomHeader[]): Raster {
  const first = headers[0];
  const { rows: height, columns: width, samplesPerPixel: bands } = first.pixel;
  // One slice per frame of each file, in order.
  const slices = headers.flatMap((header) => Array.from({ length: header.pixel.frames }, (_, frame) => ({ header, frame })));
  const cache = new Map<number, Float32Array>();

  async function loadSlice(slice: number): Promise<Float32Array> {
    const cached = cache.get(slice);
    if (cached) return cached;
    const { header, frame } = slices[slice];
    const { dataSet } = await parseDicomFile(header.file);
    const stored = await decodeFrame(header.file, dataSet, header.transferSyntax, header.pixel, frame);
    const values = new Float32Array(stored.length);
    const { rescaleSlope: slope, rescaleIntercept: intercept } = header;
    for (let i = 0; i < stored.length; i++) values[i] = stored[i] * slope + intercept;
    if (cache.size >= CACHED_SLICES) cache.delete(cache.keys().next().value!);
    cache.set(slice, values);
    return values;
  }

  return {
    path: source,
    format: 'dicom',
    width,
    height,
    bands,
    dtype: decodedDType(first),
    slices: slices.length,
    modality: first.modality,
    nodata: null,
    metadata: describe(headers),
    async readWindow(x, y, w, h, slice = 0) {
      checkWindow(source, width, height, slices.length, x, y, w, h, slice);
      const values = await loadSlice(slice);
      if (x === 0 && y === 0 && w === width && h === height) return values.slice();
      const out = new Float32Array(w * h * bands);
      for (let row = 0; row < h; row++) {
        const from = ((y + row) * width + x) * bands;
        out.set(values.subarray(from, from + w * bands), row * w * bands);
      }
      return out;
    },
    async close() {
      cache.clear();
    },
  };
}

/** The stored type when rescale is the identity; int16 when an integer rescale still fits; float32 otherwise. */
function decodedDType(header: DicomHeader): RasterDType {
  const { bitsAllocated, bitsStored, pixelRepresentation } = header.pixel;
  const signed = pixelRepresentation === 1;
  const identity = header.rescaleSlope === 1 && header.rescaleIntercept === 0;
  if (identity) {
    if (bitsAllocated <= 8) return signed ? 'int8' : 'uint8';
    if (bitsAllocated <= 16) return signed ? 'int16' : 'uint16';
    return signed ? 'int32' : 'uint32';
  }
  const storedMin = signed ? -(2 ** (bitsStored - 1)) : 0;
  const storedMax = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const ends = [storedMin, storedMax].map((v) => v * header.rescaleSlope + header.rescaleIntercept);
  const integral = Number.isInteger(header.rescaleSlope) && Number.isInteger(header.rescaleIntercept);
  return integral && Math.min(...ends) >= -32768 && Math.max(...ends) <= 32767 ? 'int16' : 'float32';
}

function describe(headers: DicomHeader[]): Record<string, unknown> {
  const first = headers[0];
  const positions = headers.map((h) => h.imagePosition);
  const spacings = positions.slice(1).map((p, i) => (p && positions[i] ? Math.hypot(...p.map((v, k) => v - positions[i]![k])) : NaN));
  return {
    transferSyntax: { uid: first.transferSyntax, name: transferSyntaxName(first.transferSyntax) },
    sopClassUID: first.sopClassUID,
    studyInstanceUID: first.studyInstanceUID,
    seriesInstanceUID: first.seriesInstanceUID,
    frameOfReferenceUID: first.frameOfReferenceUID,
    seriesDescription: first.seriesDescription,
    photometric: first.pixel.photometric,
    bitsAllocated: first.pixel.bitsAllocated,
    bitsStored: first.pixel.bitsStored,
    pixelRepresentation: first.pixel.pixelRepresentation,
    rescale: { slope: first.rescaleSlope, intercept: first.rescaleIntercept, type: first.rescaleType ?? (first.modality === 'CT' ? 'HU' : null) },
    window: first.window,
    pixelSpacing: first.pixelSpacing,
    sliceThickness: first.sliceThickness,
    sliceSpacing: spacings.length && spacings.every(Number.isFinite) ? median(spacings) : null,
    imageOrientationPatient: first.imageOrientation,
    imagePositionPatient: positions,
    sopInstanceUIDs: headers.map((h) => h.sopInstanceUID),
    files: headers.map((h) => h.file),
    frames: first.pixel.frames,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
