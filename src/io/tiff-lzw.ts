// TIFF LZW strips and tiles, decoded with a bounded decoder. geotiff.js's own LZW decoder loops forever on some
// damaged streams (its dictionary walk follows entries past the table's end), which hung the fuzz campaign; this
// one stops at the chunk's own size, and every code it reads consumes input, so its work is bounded by both.
import { addDecoder, BaseDecoder } from 'geotiff';

const LZW = 5;
const CLEAR = 256;
const END = 257;
const FIRST_FREE = 258;
const TABLE = 4096;

/** The bytes a chunk decodes to: rows × bytes per row, all samples or one (planar). */
function chunkBytes(parameters: { tileWidth: number; tileHeight: number; bitsPerSample: number | ArrayLike<number>; planarConfiguration: number }): number {
  const bits = typeof parameters.bitsPerSample === 'number' ? [parameters.bitsPerSample] : Array.from(parameters.bitsPerSample);
  const perPixel = parameters.planarConfiguration === 2 ? bits[0]! : bits.reduce((a, b) => a + b, 0);
  return Math.ceil((parameters.tileWidth * perPixel) / 8) * parameters.tileHeight;
}

/** MSB-first LZW with TIFF's early code-width change; stops at `limit` bytes of output. */
export function decodeLzw(input: Uint8Array, limit: number): Uint8Array {
  const prefix = new Int16Array(TABLE);
  const suffix = new Uint8Array(TABLE);
  const first = new Uint8Array(TABLE);
  const length = new Uint16Array(TABLE);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const out = new Uint8Array(limit);
  const totalBits = input.length * 8;
  let written = 0;
  let position = 0;
  let bits = 9;
  let next = FIRST_FREE;
  let old = -1;

  const read = (): number => {
    if (position + bits > totalBits) return END;
    const byte = position >> 3;
    const window = (input[byte]! << 16) | ((input[byte + 1] ?? 0) << 8) | (input[byte + 2] ?? 0);
    position += bits;
    return (window >> (24 - bits - ((position - bits) & 7))) & ((1 << bits) - 1);
  };
  const emit = (code: number) => {
    const n = length[code]!;
    let c = code;
    for (let i = n - 1; i >= 0; i--) {
      if (written + i < limit) out[written + i] = suffix[c]!;
      c = prefix[c]!;
    }
    written += n;
  };
  const add = (previous: number, byte: number) => {
    if (next >= TABLE) return;
    prefix[next] = previous;
    suffix[next] = byte;
    first[next] = first[previous]!;
    length[next] = length[previous]! + 1;
    next++;
  };

  while (written < limit) {
    const code = read();
    if (code === END) break;
    if (code === CLEAR) {
      bits = 9;
      next = FIRST_FREE;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code >= next) throw new Error(`corrupt LZW data: code ${code} is not in the table`);
      emit(code);
    } else if (code < next) {
      emit(code);
      add(old, first[code]!);
    } else if (code === next) {
      add(old, first[old]!);
      emit(code);
    } else {
      throw new Error(`corrupt LZW data: code ${code} is past the table's ${next} entries`);
    }
    old = code;
    if (next + 1 >= 1 << bits) {
      if (bits === 12) old = -1;
      else bits++;
    }
  }
  return written >= limit ? out : out.subarray(0, written);
}

class LzwDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBuffer): ArrayBuffer {
    const decoded = decodeLzw(new Uint8Array(buffer), chunkBytes(this.parameters as Parameters<typeof chunkBytes>[0]));
    return decoded.byteLength === decoded.buffer.byteLength ? decoded.buffer as ArrayBuffer : decoded.slice().buffer as ArrayBuffer;
  }
}

/** Registers the bounded decoder for geotiff.js's LZW compression; decoding stays on the calling thread. */
export function useBoundedLzw(): void {
  addDecoder(LZW, async () => LzwDecoder, undefined, false);
}
