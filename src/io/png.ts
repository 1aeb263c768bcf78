// PNG decoding with pngjs: 1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA and palette images.
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { InputError, type Raster } from './raster.ts';
import { memoryRaster } from './memory-raster.ts';
import { causeText } from './error-text.ts';
import { checkDecodedSize, checkExpansion } from './limits.ts';

const SIGNATURE_LENGTH = 8;
const COLOR_TYPE_BANDS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
/** Samples per pixel as stored (a palette index is one sample). */
const COLOR_TYPE_SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Deflate cannot expand data more than 1032-fold. */
const DEFLATE_MAX_RATIO = 1032;
const COLOR_TYPE_NAMES: Record<number, string> = { 0: 'gray', 2: 'rgb', 3: 'palette', 4: 'gray+alpha', 6: 'rgba' };

export interface DecodedPng {
  width: number;
  height: number;
  /** Bands as stored; a palette image as an image is RGB (RGBA when it has transparency), as a mask 1 band of indices. */
  bands: number;
  bitDepth: number;
  colorType: number;
  /** Pixel-interleaved samples; Uint16Array only for 16-bit files. */
  samples: Uint8Array | Uint16Array;
}

/**
 * 'image': low bit depths scale to 0..255 (as the PNG spec says viewers show them), palettes expand to colours.
 * 'mask': raw sample values, palette indices instead of colours.
 */
export type PngReading = 'image' | 'mask';

export function decodePng(file: string, bytes: Uint8Array, reading: PngReading): DecodedPng {
  const chunks = readChunks(file, bytes);
  const header = chunks.find((c) => c.type === 'IHDR');
  if (!header || header.data.length < 13) throw new InputError(file, 'truncated or corrupt PNG: no IHDR header');
  const bitDepth = header.data[8];
  const colorType = header.data[9];
  if (!(colorType in COLOR_TYPE_BANDS)) throw new InputError(file, `truncated or corrupt PNG: unknown colour type ${colorType}`);
  // pngjs allocates width × height × 4 from IHDR alone: check that against the cap and the file's own IDAT bytes.
  const width = new DataView(header.data.buffer, header.data.byteOffset).getUint32(0);
  const height = new DataView(header.data.buffer, header.data.byteOffset).getUint32(4);
  checkDecodedSize(file, 'PNG image', width, height);
  const rowBytes = 1 + Math.ceil((width * COLOR_TYPE_SAMPLES[colorType]! * bitDepth) / 8);
  const compressed = chunks.filter((c) => c.type === 'IDAT').reduce((n, c) => n + c.data.length, 0);
  checkExpansion(file, 'PNG image', height * rowBytes, compressed, DEFLATE_MAX_RATIO);
  const indexed = colorType === 3 && reading === 'mask';
  const input = rewriteForPngjs(bytes, chunks, colorType, indexed);

  let png: { width: number; height: number; data: Uint8Array | Uint16Array };
  try {
    png = PNG.sync.read(Buffer.from(input.buffer, input.byteOffset, input.byteLength), {
      skipRescale: bitDepth === 16 || reading === 'mask',
    }) as unknown as typeof png;
  } catch (error) {
    throw new InputError(file, `truncated or corrupt PNG: ${pngjsCause(error)}`);
  }
  const hasPaletteAlpha = colorType === 3 && chunks.some((c) => c.type === 'tRNS');
  const bands = indexed ? 1 : colorType === 3 && hasPaletteAlpha ? 4 : COLOR_TYPE_BANDS[colorType];
  const rgba = png.data;
  const pixels = width * height;
  const samples = bitDepth === 16 ? new Uint16Array(pixels * bands) : new Uint8Array(pixels * bands);
  // pngjs always hands back RGBA: keep only the stored bands.
  const pick = bands === 1 ? [0] : bands === 2 ? [0, 3] : bands === 3 ? [0, 1, 2] : [0, 1, 2, 3];
  for (let p = 0; p < pixels; p++) {
    for (let b = 0; b < bands; b++) samples[p * bands + b] = rgba[p * 4 + pick[b]];
  }
  return { width, height, bands, bitDepth, colorType, samples };
}

export async function openPng(file: string, bytes?: Uint8Array): Promise<Raster> {
  const decoded = decodePng(file, bytes ?? (await readFile(file)), 'image');
  return memoryRaster({
    path: file,
    format: 'png',
    width: decoded.width,
    height: decoded.height,
    bands: decoded.bands,
    dtype: decoded.bitDepth === 16 ? 'uint16' : 'uint8',
    modality: 'photo',
    metadata: { bitDepth: decoded.bitDepth, colorType: COLOR_TYPE_NAMES[decoded.colorType] },
    pixels: decoded.samples,
  });
}

/** pngjs says "There are some read requests waitng on finished stream" when the compressed pixels end too soon. */
function pngjsCause(error: unknown): string {
  const text = causeText(error);
  return /read requests wait/.test(text) ? 'the compressed pixel data (IDAT) ends before the image is complete' : text;
}

interface Chunk {
  type: string;
  /** Offset of the chunk's length field in the file. */
  start: number;
  end: number;
  data: Uint8Array;
}

function readChunks(file: string, bytes: Uint8Array): Chunk[] {
  const chunks: Chunk[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = SIGNATURE_LENGTH;
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (end > bytes.length) throw new InputError(file, `truncated or corrupt PNG: chunk at byte ${offset} runs past the end of the file`);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    chunks.push({ type, start: offset, end, data: bytes.subarray(offset + 8, offset + 8 + length) });
    offset = end;
    if (type === 'IEND') return chunks;
  }
  throw new InputError(file, 'truncated or corrupt PNG: no IEND chunk (file cut short?)');
}

/**
 * pngjs blanks every pixel equal to a gray/RGB tRNS key and only expands palettes to colours.
 * So: drop gray/RGB tRNS keys (values as stored matter more than a transparency key), and to read
 * palette indices swap the palette for an identity gray palette (entry i = (i,i,i)), whose red is the index.
 */
function rewriteForPngjs(bytes: Uint8Array, chunks: Chunk[], colorType: number, indexed: boolean): Uint8Array {
  const dropTransparency = colorType === 0 || colorType === 2 || indexed;
  if (!dropTransparency) return bytes;
  const parts: Uint8Array[] = [bytes.subarray(0, SIGNATURE_LENGTH)];
  for (const chunk of chunks) {
    if (chunk.type === 'tRNS') continue;
    if (chunk.type === 'PLTE' && indexed) {
      const entries = Math.floor(chunk.data.length / 3);
      const identity = new Uint8Array(entries * 3);
      for (let i = 0; i < entries; i++) identity.fill(i, i * 3, i * 3 + 3);
      parts.push(makeChunk('PLTE', identity));
      continue;
    }
    parts.push(bytes.subarray(chunk.start, chunk.end));
  }
  return Buffer.concat(parts);
}

function makeChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}
