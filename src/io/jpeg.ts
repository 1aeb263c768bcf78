// JPEG decoding with jpeg-js: baseline and progressive, gray or colour, 8-bit.
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { InputError, type Raster } from './raster.ts';
import { memoryRaster } from './memory-raster.ts';
import { causeText } from './error-text.ts';
import { checkDecodedSize, checkExpansion, getMaxDecodedPixels } from './limits.ts';

const MAX_PIXELS_PER_BYTE = 256;

export async function openJpeg(file: string, bytes?: Uint8Array): Promise<Raster> {
  const data = bytes ?? (await readFile(file));
  const frame = frameHeader(data);
  if (!frame) throw new InputError(file, 'truncated or corrupt JPEG: no frame header (SOF marker) before the image data');
  const { components } = frame;
  checkDecodedSize(file, 'JPEG image', frame.width, frame.height);
  // One 8×8 block costs at least 2 bits of Huffman code, so a JPEG cannot hold more than 256 pixels per byte.
  checkExpansion(file, 'JPEG image', frame.width * frame.height, data.length, MAX_PIXELS_PER_BYTE);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(data, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: Math.ceil((getMaxDecodedPixels() * 4 * 2) / 2 ** 20) });
  } catch (error) {
    throw new InputError(file, `truncated or corrupt JPEG: ${causeText(error)}`);
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

/** Size and colour components from the first SOFn frame header; null when there is none. */
function frameHeader(bytes: Uint8Array): { width: number; height: number; components: number } | null {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1];
    if (marker === 0xff) { offset++; continue; }
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (offset + 10 > bytes.length) return null;
      return { height: (bytes[offset + 5] << 8) | bytes[offset + 6], width: (bytes[offset + 7] << 8) | bytes[offset + 8], components: bytes[offset + 9] };
    }
    offset += 2 + length;
  }
  return null;
}
