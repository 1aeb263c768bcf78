// Decoding one DICOM frame to stored sample values, for every transfer syntax we have a codec for.
import { createRequire } from 'node:module';
import type { DataSet, Element } from 'dicom-parser';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { InputError } from './raster.ts';
import { causeText } from './error-text.ts';
import { loadDecoder, type CornerstoneCodec } from './wasm-codecs.ts';
import { decodeJpeg12 } from './dicom-jpeg12.ts';
import { TRANSFER_SYNTAXES, type PixelCodec } from './dicom-transfer-syntax.ts';

export const dicomParser: typeof import('dicom-parser') = createRequire(import.meta.url)('dicom-parser');

export interface PixelFormat {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  /** 0 pixel-interleaved, 1 planar (colour-by-plane). */
  planarConfiguration: number;
  photometric: string;
  frames: number;
}

export type Samples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** Stored values of frame `frame`, pixel-interleaved; YBR_FULL colour is converted to RGB. */
export async function decodeFrame(file: string, dataSet: DataSet, transferSyntax: string, format: PixelFormat, frame: number): Promise<Samples> {
  const syntax = TRANSFER_SYNTAXES[transferSyntax];
  if (!syntax || !syntax.codec) {
    throw new InputError(file, `unsupported transfer syntax ${transferSyntax} (${syntax?.name ?? 'unknown transfer syntax'})`);
  }
  const element = dataSet.elements.x7fe00010;
  if (!element) throw new InputError(file, 'no pixel data (7FE0,0010) in this DICOM file');
  const codec = syntax.codec;
  let samples: Samples;
  try {
    samples = codec === 'native' || codec === 'native-big-endian'
      ? nativeFrame(file, dataSet, element, format, frame, codec === 'native-big-endian')
      : await compressedFrame(file, syntax.name, codec, encapsulatedFrame(dataSet, element, format.frames, frame), format);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, `cannot decode frame ${frame} (${syntax.name}): ${causeText(error)}`);
  }
  const expected = format.rows * format.columns * format.samplesPerPixel;
  if (samples.length < expected) {
    throw new InputError(file, `frame ${frame} decoded to ${samples.length} samples, expected ${format.rows}x${format.columns}x${format.samplesPerPixel}`);
  }
  samples = samples.subarray(0, expected) as Samples;
  if (format.pixelRepresentation === 1 && format.bitsStored < format.bitsAllocated && format.bitsAllocated > 1) signExtend(samples, format.bitsStored);
  // libjpeg-turbo converts YBR_FULL to RGB itself; 12-bit JPEG is grey only (see lossyJpegFrame).
  const decodedToRgb = codec === 'jpeg-8bit' || codec === 'jpeg-extended';
  if (format.samplesPerPixel === 3 && format.photometric === 'YBR_FULL' && !decodedToRgb) ybrFullToRgb(samples);
  return samples;
}

function nativeFrame(file: string, dataSet: DataSet, element: Element, format: PixelFormat, frame: number, bigEndian: boolean): Samples {
  const { rows, columns, samplesPerPixel, bitsAllocated, pixelRepresentation } = format;
  const count = rows * columns * samplesPerPixel;
  const bytes = dataSet.byteArray;
  if (bitsAllocated === 1) {
    // Bit-packed frames (DICOM SEG) follow each other without byte alignment.
    const firstBit = frame * count;
    if (Math.ceil((firstBit + count) / 8) > element.length) throw truncated(file, frame, element.length);
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const bit = firstBit + i;
      out[i] = (bytes[element.dataOffset + (bit >> 3)] >> (bit & 7)) & 1;
    }
    return out;
  }
  const bytesPerSample = bitsAllocated / 8;
  if (![1, 2, 4].includes(bytesPerSample)) throw new InputError(file, `unsupported Bits Allocated ${bitsAllocated}`);
  const frameBytes = count * bytesPerSample;
  const start = element.dataOffset + frame * frameBytes;
  if ((frame + 1) * frameBytes > element.length || start + frameBytes > bytes.length) throw truncated(file, frame, element.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, frameBytes);
  const signed = pixelRepresentation === 1;
  const out = makeSamples(count, bytesPerSample, signed);
  const little = !bigEndian;
  for (let i = 0; i < count; i++) {
    out[i] = bytesPerSample === 1 ? (signed ? view.getInt8(i) : view.getUint8(i))
      : bytesPerSample === 2 ? (signed ? view.getInt16(i * 2, little) : view.getUint16(i * 2, little))
      : signed ? view.getInt32(i * 4, little) : view.getUint32(i * 4, little);
  }
  return format.planarConfiguration === 1 && samplesPerPixel > 1 ? planarToInterleaved(out, samplesPerPixel) : out;
}

function encapsulatedFrame(dataSet: DataSet, element: Element, frames: number, frame: number): Uint8Array {
  const fragments = element.fragments ?? [];
  if (fragments.length === 0) throw new Error('encapsulated pixel data has no fragments');
  if (frame >= frames) throw new Error(`frame ${frame} does not exist (${frames} frames)`);
  if ((element.basicOffsetTable ?? []).length > 0) return dicomParser.readEncapsulatedImageFrame(dataSet, element, frame);
  if (frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, fragments.length);
  if (fragments.length === frames) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, frame, 1);
  const offsets = dicomParser.createJPEGBasicOffsetTable(dataSet, element);
  return dicomParser.readEncapsulatedImageFrame(dataSet, element, frame, offsets);
}

async function compressedFrame(file: string, syntaxName: string, codec: PixelCodec, data: Uint8Array, format: PixelFormat): Promise<Samples> {
  const signed = format.pixelRepresentation === 1;
  switch (codec) {
    case 'rle': return rleFrame(data, format);
    case 'jpeg-lossless': {
      const bytesPerSample = format.bitsAllocated <= 8 ? 1 : 2;
      // A fresh copy: data may be a Node Buffer view into a larger pooled ArrayBuffer.
      const copy = new Uint8Array(data);
      const decoded = new JpegLosslessDecoder().decode(copy.buffer, 0, copy.length, bytesPerSample);
      return reinterpret(new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength), bytesPerSample, signed);
    }
    case 'jpeg-8bit':
    case 'jpeg-extended': return lossyJpegFrame(file, syntaxName, data, format);
    case 'jpeg-ls': return cornerstoneDecode('jpeg-ls', data, signed);
    case 'jpeg-2000': return cornerstoneDecode('jpeg-2000', data, signed);
    default: throw new Error(`no decoder for ${codec}`);
  }
}

/** Lossy JPEG by the precision in its frame header: 8-bit by libjpeg-turbo, 12-bit (grey) by IJG libjpeg-12. */
async function lossyJpegFrame(file: string, syntaxName: string, data: Uint8Array, format: PixelFormat): Promise<Samples> {
  const precision = jpegPrecision(data) || (format.bitsStored > 8 ? 12 : 8);
  if (precision === 8) return cornerstoneDecode('jpeg', data, format.pixelRepresentation === 1);
  if (precision !== 12) {
    throw new InputError(file, `unsupported: ${precision}-bit samples in ${syntaxName} (lossy JPEG has 8 or 12)`);
  }
  if (format.samplesPerPixel !== 1) {
    throw new InputError(file, `unsupported: 12-bit colour (${format.samplesPerPixel} samples per pixel) in ${syntaxName}`);
  }
  // Some encoders leave the end-of-image marker off the last frame; DCMTK and pydicom decode such frames, and so
  // do we, with the marker put back (a stream cut inside its data gets libjpeg's grey fill, as in those readers).
  return decodeJpeg12(endsWithEndOfImage(data) ? data : withEndOfImage(data), format);
}

function withEndOfImage(data: Uint8Array): Uint8Array {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  const out = new Uint8Array(end + 2);
  out.set(data.subarray(0, end));
  out.set([0xff, 0xd9], end);
  return out;
}

/** FFD9 at the end, allowing DICOM's zero padding to an even length. */
function endsWithEndOfImage(data: Uint8Array): boolean {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return end >= 2 && data[end - 2] === 0xff && data[end - 1] === 0xd9;
}

async function cornerstoneDecode(codec: CornerstoneCodec, data: Uint8Array, signed: boolean): Promise<Samples> {
  const Decoder = await loadDecoder(codec);
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const decoded = decoder.getDecodedBuffer().slice();
    return reinterpret(decoded, info.bitsPerSample > 8 ? 2 : 1, signed);
  } finally {
    decoder.delete();
  }
}

/** DICOM RLE: a 64-byte header of segment offsets, one PackBits segment per byte plane (most significant first). */
function rleFrame(data: Uint8Array, format: PixelFormat): Samples {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = format.bitsAllocated / 8;
  const pixels = format.rows * format.columns;
  const spp = format.samplesPerPixel;
  if (segments !== bytesPerSample * spp) throw new Error(`RLE header has ${segments} segments, expected ${bytesPerSample * spp}`);
  const bytes = new Uint8Array(pixels * spp * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + s * 4, true);
    const end = s + 1 < segments ? view.getUint32(8 + s * 4, true) : data.length;
    const sample = Math.floor(s / bytesPerSample);
    // Segment s holds byte (bytesPerSample - 1 - s % bytesPerSample) of each little-endian sample.
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    let out = 0;
    let i = start;
    while (i < end && out < pixels) {
      const n = (data[i++] << 24) >> 24;
      if (n >= 0) {
        for (let k = 0; k <= n && out < pixels; k++) bytes[((out++) * spp + sample) * bytesPerSample + byteInSample] = data[i++];
      } else if (n !== -128) {
        const value = data[i++];
        for (let k = 0; k <= -n && out < pixels; k++) bytes[((out++) * spp + sample) * bytesPerSample + byteInSample] = value;
      }
    }
    if (out < pixels) throw new Error(`RLE segment ${s} ends after ${out} of ${pixels} pixels`);
  }
  return reinterpret(bytes, bytesPerSample, format.pixelRepresentation === 1);
}

/** Two's complement values stored in the low `bits` bits of wider samples (e.g. 12 of 16) read as negative. */
function signExtend(samples: Samples, bits: number): void {
  const shift = 32 - bits;
  for (let i = 0; i < samples.length; i++) samples[i] = (samples[i]! << shift) >> shift;
}

function reinterpret(bytes: Uint8Array, bytesPerSample: number, signed: boolean): Samples {
  const aligned = bytes.byteOffset % bytesPerSample === 0 ? bytes : bytes.slice();
  const count = Math.floor(aligned.byteLength / bytesPerSample);
  if (bytesPerSample === 1) return signed ? new Int8Array(aligned.buffer, aligned.byteOffset, count) : aligned;
  if (bytesPerSample === 2) return signed ? new Int16Array(aligned.buffer, aligned.byteOffset, count) : new Uint16Array(aligned.buffer, aligned.byteOffset, count);
  return signed ? new Int32Array(aligned.buffer, aligned.byteOffset, count) : new Uint32Array(aligned.buffer, aligned.byteOffset, count);
}

function makeSamples(count: number, bytesPerSample: number, signed: boolean): Samples {
  if (bytesPerSample === 1) return signed ? new Int8Array(count) : new Uint8Array(count);
  if (bytesPerSample === 2) return signed ? new Int16Array(count) : new Uint16Array(count);
  return signed ? new Int32Array(count) : new Uint32Array(count);
}

function planarToInterleaved(planar: Samples, spp: number): Samples {
  const pixels = planar.length / spp;
  const out = planar.slice() as Samples;
  for (let p = 0; p < pixels; p++) for (let s = 0; s < spp; s++) out[p * spp + s] = planar[s * pixels + p];
  return out;
}

function ybrFullToRgb(samples: Samples): void {
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let i = 0; i + 2 < samples.length; i += 3) {
    const y = samples[i], cb = samples[i + 1] - 128, cr = samples[i + 2] - 128;
    samples[i] = clamp(y + 1.402 * cr);
    samples[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    samples[i + 2] = clamp(y + 1.772 * cb);
  }
}

/** Sample precision from the JPEG frame header (SOFn), 0 if not found. */
function jpegPrecision(data: Uint8Array): number {
  for (let i = 2; i + 4 < data.length;) {
    if (data[i] !== 0xff) return 0;
    const marker = data[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return data[i + 4];
    i += 2 + ((data[i + 2] << 8) | data[i + 3]);
  }
  return 0;
}

function truncated(file: string, frame: number, available: number): InputError {
  return new InputError(file, `truncated pixel data: frame ${frame} lies beyond the ${available} bytes of pixel data`);
}
