// Test helper: assembles PNG files byte by byte (independent of pngjs), so decoders are checked against the spec.
import { crc32, deflateSync } from 'node:zlib';

export interface PngSpec {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  /** Samples, pixel-interleaved, one number per sample (palette: one index per pixel). */
  samples: number[];
  /** Palette entries as [r, g, b]. */
  palette?: number[][];
  /** Raw tRNS chunk content. */
  transparency?: number[];
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

export function buildPng(spec: PngSpec): Buffer {
  const channels = CHANNELS[spec.colorType];
  const rowSamples = spec.width * channels;
  const rows: Buffer[] = [];
  for (let y = 0; y < spec.height; y++) {
    const row = spec.samples.slice(y * rowSamples, (y + 1) * rowSamples);
    rows.push(Buffer.concat([Buffer.from([0]), packRow(row, spec.bitDepth)]));
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(spec.width, 0);
  header.writeUInt32BE(spec.height, 4);
  header[8] = spec.bitDepth;
  header[9] = spec.colorType;
  const chunks = [chunk('IHDR', header)];
  if (spec.palette) chunks.push(chunk('PLTE', Buffer.from(spec.palette.flat())));
  if (spec.transparency) chunks.push(chunk('tRNS', Buffer.from(spec.transparency)));
  chunks.push(chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

function packRow(samples: number[], bitDepth: number): Buffer {
  if (bitDepth === 16) {
    const out = Buffer.alloc(samples.length * 2);
    samples.forEach((v, i) => out.writeUInt16BE(v, i * 2));
    return out;
  }
  if (bitDepth === 8) return Buffer.from(samples);
  const perByte = 8 / bitDepth;
  const out = Buffer.alloc(Math.ceil(samples.length / perByte));
  samples.forEach((v, i) => {
    out[Math.floor(i / perByte)] |= v << (8 - bitDepth * ((i % perByte) + 1));
  });
  return out;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
