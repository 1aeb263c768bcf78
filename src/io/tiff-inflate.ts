// geotiff.js inflates deflated tiles and strips with pako, in JavaScript; node:zlib does it natively, several times
// faster. That is most of the first view of a large GeoTIFF, and part of every tile that segmentation reads.
import { constants, inflateSync } from 'node:zlib';
import { addDecoder, BaseDecoder } from 'geotiff';

const DEFLATE = 8;
const ADOBE_DEFLATE = 32946;

class ZlibDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBuffer): ArrayBuffer {
    // A sync flush keeps what a truncated stream holds, as pako did, instead of failing the whole block.
    const out = inflateSync(new Uint8Array(buffer), { finishFlush: constants.Z_SYNC_FLUSH });
    const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
    return whole ? (out.buffer as ArrayBuffer) : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
  }
}

/** Registers node:zlib for geotiff.js's deflate (both compression codes); decoding stays on the calling thread. */
export function useNativeInflate(): void {
  addDecoder([DEFLATE, ADOBE_DEFLATE], async () => ZlibDecoder, undefined, false);
}
