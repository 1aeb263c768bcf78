// Label masks: file values or colours → class indices (255 = unlabeled), one per slice for NIfTI label volumes, and
// writing masks back as 8-bit gray PNGs or colour PNGs.
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { InputError } from './raster.ts';
import { sniffFormat } from './open.ts';
import { decodePng } from './png.ts';
import { openNifti } from './nifti.ts';
import { openTiff } from './tiff.ts';
import { writeAtomic } from './write-atomic.ts';
import { UNLABELED } from '../api/types.ts';
import { classesFromColors, colorsFromClasses, describeUnknownColors, hexColor, type ColorMapping } from '../labels/mask-colors.ts';

export interface MaskOptions {
  /** Raw value labelValues[i] becomes class i; any other value (except ignoreValue and 255) is an error. */
  labelValues?: number[];
  /** This raw value becomes unlabeled (255). */
  ignoreValue?: number;
  /** Without labelValues: raw values must be below this (or 255). */
  numClasses?: number;
  /** Colour-coded masks (RGB, RGBA or palette): colours map to classes; a gray mask is then an error. */
  colors?: ColorMapping;
  /** With colors: a gray mask is read as values instead (the workbench's import takes both kinds). */
  grayAsValues?: boolean;
}

export interface Mask {
  width: number;
  height: number;
  /** Class index per pixel, 255 = unlabeled. */
  data: Uint8Array;
}

/** Reads a PNG or TIFF mask (gray, 16-bit, palette indices, or RGB with equal channels) as class indices. */
export async function readMask(file: string, options: MaskOptions = {}): Promise<Mask> {
  const masks = await readMaskSlices(file, options);
  if (masks.length !== 1) throw new InputError(file, `is a label volume of ${masks.length} slices where one 2D mask was expected`);
  return masks[0]!;
}

/** Reads every slice of a mask: the one of a PNG or TIFF, or each axial slice of a NIfTI label volume. */
export async function readMaskSlices(file: string, options: MaskOptions = {}): Promise<Mask[]> {
  if (options.colors) {
    const masks = await readColorMaskSlices(file, options.colors, Boolean(options.grayAsValues));
    if (masks) return masks;
  }
  const { width, height, planes, palette } = await readMaskValues(file);
  const classOf = classLookup(file, options);
  return planes.map((values, slice) => {
    const data = new Uint8Array(width * height);
    for (let i = 0; i < data.length; i++) {
      const raw = values[i];
      const cls = Number.isInteger(raw) && raw >= 0 && raw < classOf.length ? classOf[raw] : -1;
      if (cls < 0) {
        const where = `x=${i % width} y=${Math.floor(i / width)}${planes.length > 1 ? ` slice ${slice}` : ''}`;
        const colours = palette ? "; it is a palette mask: if its colours mean the classes, map them with --label-colors" : '';
        throw new InputError(file, `mask value ${raw} at ${where} is not allowed (${describeAllowed(options)})${colours}`);
      }
      data[i] = cls;
    }
    return { width, height, data };
  });
}

/** Throws unless a mask's slices match the image's grid: width × height and, for volumes, the slice count. */
export function checkMaskFits(maskFile: string, masks: Mask[], image: { name: string; width: number; height: number; slices: number }): void {
  const first = masks[0]!;
  if (first.width === image.width && first.height === image.height && masks.length === image.slices) return;
  const slices = (n: number) => (n > 1 ? `×${n} slices` : '');
  throw new InputError(maskFile, `label is ${first.width}×${first.height}${slices(masks.length)} but its image ${image.name} is ${image.width}×${image.height}${slices(image.slices)}`);
}

/** Writes class indices as an 8-bit grayscale PNG, atomically; creates parent folders. */
export async function writeMaskPng(file: string, width: number, height: number, data: Uint8Array): Promise<void> {
  if (data.length !== width * height) {
    throw new RangeError(`${file}: mask has ${data.length} values, expected ${width}x${height} = ${width * height}`);
  }
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  await writeAtomic(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 }));
}

/** Writes class indices as an RGBA PNG in the class colours (unlabeled transparent), atomically; creates parent folders. */
export async function writeColorMaskPng(file: string, width: number, height: number, data: Uint8Array, colors: number[]): Promise<void> {
  if (data.length !== width * height) {
    throw new RangeError(`${file}: mask has ${data.length} values, expected ${width}x${height} = ${width * height}`);
  }
  const png = new PNG({ width, height, colorType: 6, bitDepth: 8 });
  png.data = Buffer.from(colorsFromClasses(data, colors).buffer);
  await writeAtomic(file, PNG.sync.write(png, { colorType: 6, bitDepth: 8 }));
}

/** A colour mask's slices as classes; null for a gray mask when grayAsValues, or a file that is no mask (the caller reads it as values). */
async function readColorMaskSlices(file: string, mapping: ColorMapping, grayAsValues: boolean): Promise<Mask[] | null> {
  const colour = await readMaskColors(file);
  if (colour === null) return null;
  if (colour === 'gray') {
    if (grayAsValues) return null;
    throw new InputError(file, 'is a gray mask of values, not colours: map its values with --label-values (or read them as class indices) instead of --label-colors');
  }
  const { width, height, bands, planes } = colour;
  return planes.map((samples, slice) => {
    const { data, unknown } = classesFromColors(samples, width, bands, mapping);
    if (unknown && mapping.unknownColors !== 'unlabeled') {
      const where = planes.length > 1 ? ` in slice ${slice}` : '';
      throw new InputError(file, `${describeUnknownColors(unknown)}${where} (class colours ${mapping.labelColors.map(hexColor).join(', ')}); --ignore-colors or --unknown-colors unlabeled makes them unlabeled`);
    }
    return { width, height, data };
  });
}

/**
 * 8-bit RGB(A) samples per slice: a palette PNG's palette colours, an RGB(A) PNG or TIFF as stored; 'gray' for a gray
 * mask (PNG, TIFF, NIfTI), null for a file that is no mask.
 */
async function readMaskColors(file: string): Promise<{ width: number; height: number; bands: number; planes: ArrayLike<number>[] } | 'gray' | null> {
  const format = await sniffFormat(file);
  if (format === 'png') {
    const png = decodePng(file, await readFile(file), 'image');
    if (png.bands < 3) return 'gray';
    if (png.bitDepth === 16) throw new InputError(file, 'is a 16-bit colour PNG: save colour masks as 8-bit RGB or palette PNGs');
    return { width: png.width, height: png.height, bands: png.bands, planes: [png.samples] };
  }
  if (isNifti(format, file)) return 'gray';
  // Anything else is no mask at all: readMaskValues says why.
  if (format !== 'tiff') return null;
  const raster = await openTiff(file);
  try {
    if (raster.bands < 3) return 'gray';
    if (raster.bands > 4 || raster.dtype !== 'uint8') throw new InputError(file, `is a ${raster.bands}-band ${raster.dtype} TIFF: colour masks are 8-bit RGB or RGBA`);
    const planes: ArrayLike<number>[] = [];
    for (let slice = 0; slice < raster.slices; slice++) planes.push(await raster.readWindow(0, 0, raster.width, raster.height, slice));
    return { width: raster.width, height: raster.height, bands: raster.bands, planes };
  } finally {
    await raster.close();
  }
}

interface MaskValues {
  width: number;
  height: number;
  /** One plane of raw values per slice. */
  planes: ArrayLike<number>[];
  /** Palette indices: the values may be colour codes rather than classes. */
  palette?: boolean;
}

async function readMaskValues(file: string): Promise<MaskValues> {
  const format = await sniffFormat(file);
  if (format === 'png') {
    const png = decodePng(file, await readFile(file), 'mask');
    return { width: png.width, height: png.height, planes: [singleBand(file, png.samples, png.width, png.bands)], palette: png.colorType === 3 };
  }
  const nifti = isNifti(format, file);
  if (format === 'tiff' || nifti) {
    const raster = nifti ? await openNifti(file) : await openTiff(file);
    try {
      const planes: ArrayLike<number>[] = [];
      for (let slice = 0; slice < raster.slices; slice++) {
        const samples = await raster.readWindow(0, 0, raster.width, raster.height, slice);
        planes.push(singleBand(file, samples, raster.width, raster.bands));
      }
      return { width: raster.width, height: raster.height, planes };
    } finally {
      await raster.close();
    }
  }
  if (format === 'jpeg') throw new InputError(file, 'JPEG cannot hold a mask (lossy compression changes label values); use PNG or TIFF');
  throw new InputError(file, `not a supported mask (${format ? `${format} content` : 'unrecognised content'}; expected PNG, TIFF or NIfTI)`);
}

function isNifti(format: string | null, file: string): boolean {
  return format === 'nifti' || (format === 'gzip' && /\.nii\.gz$/i.test(file));
}

/** One value per pixel: gray as is, gray+alpha → gray, RGB(A) only when R = G = B everywhere. */
function singleBand(file: string, samples: ArrayLike<number>, width: number, bands: number): ArrayLike<number> {
  if (bands === 1) return samples;
  const pixels = samples.length / bands;
  const out = new Float64Array(pixels);
  const colour = bands >= 3;
  for (let p = 0; p < pixels; p++) {
    const v = samples[p * bands];
    if (colour && (samples[p * bands + 1] !== v || samples[p * bands + 2] !== v)) {
      const rgb = [v, samples[p * bands + 1], samples[p * bands + 2]].join(',');
      throw new InputError(file, `colour mask: channels differ at x=${p % width} y=${Math.floor(p / width)} (${rgb}); map its colours to classes with --label-colors '#RRGGBB,…' (or --label-colors classes for the class colours), or save class indices as gray`);
    }
    out[p] = v;
  }
  return out;
}

/** classOf[raw] = class index, 255 for unlabeled, -1 for a value that is not allowed. */
function classLookup(file: string, options: MaskOptions): Int16Array {
  const { labelValues, ignoreValue, numClasses } = options;
  const maxRaw = Math.max(255, ...(labelValues ?? []), ignoreValue ?? 0);
  const classOf = new Int16Array(maxRaw + 1).fill(-1);
  if (labelValues) {
    if (labelValues.length > 255) throw new RangeError(`${file}: at most 255 label values, got ${labelValues.length}`);
    classOf[UNLABELED] = UNLABELED;
    labelValues.forEach((raw, cls) => {
      if (!Number.isInteger(raw) || raw < 0) throw new RangeError(`${file}: label value ${raw} is not a non-negative integer`);
      classOf[raw] = cls;
    });
  } else {
    const limit = Math.min(numClasses ?? UNLABELED, UNLABELED);
    for (let v = 0; v < limit; v++) classOf[v] = v;
    classOf[UNLABELED] = UNLABELED;
  }
  if (ignoreValue !== undefined && Number.isInteger(ignoreValue) && ignoreValue >= 0) classOf[ignoreValue] = UNLABELED;
  return classOf;
}

function describeAllowed({ labelValues, ignoreValue, numClasses }: MaskOptions): string {
  const ignore = ignoreValue !== undefined ? `, ignored ${ignoreValue}` : '';
  if (labelValues) return `allowed: label values ${labelValues.join(', ')}, unlabeled 255${ignore}`;
  if (numClasses !== undefined) return `allowed: classes 0..${numClasses - 1}, unlabeled 255${ignore}`;
  return `allowed: classes 0..254, unlabeled 255${ignore}`;
}
