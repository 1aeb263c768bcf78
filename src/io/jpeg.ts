// JPEG decoding with jpeg-js: baseline and progressive, gray or colour, 8-bit.
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { InputError, type Raster } from './raster.ts';
import { memoryRaster } from './memory-raster.ts';

export async function openJpeg(file: string, bytes?: Uint8Array): Promise<Raster> {
  const data = bytes ?? (await readFile(file));
  const components = frameComponents(data);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(data, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: 2048 });
  } catch (error) {
    throw new InputError(file, `truncated or corrupt JPEG: ${(error as Error).message}`);
  }
  // jpeg-js always returns RGB; a one-component (gray) JPEG keeps one band.
  const bands = components === 1 ? 1 : 3;
  const pixels = bands === 3 ? decoded.data : takeFirstOfThree(decoded.data);
  return memoryRaster({
    path: file,
    format: 'jpeg',
    width: decoded.width,
    height: decoded.height,
    bands,
    dtype: 'uint8',
    modality: 'photo',
    metadata: { components },
    pixels,
  });
}

function takeFirstOfThree(rgb: Uint8Array): Uint8Array {
  const gray = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < gray.length; i++) gray[i] = rgb[i * 3];
  return gray;
}

/** Number of colour components in the first SOFn frame header (0 when none is found). */
function frameComponents(bytes: Uint8Array): number {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return 0;
    const marker = bytes[offset + 1];
    if (marker === 0xff) { offset++; continue; }
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return bytes[offset + 9] ?? 0;
    offset += 2 + length;
  }
  return 0;
}
