// JPEG-compressed TIFF tiles and strips decoded by libjpeg-turbo (WebAssembly), the library GDAL reads them with:
// geotiff.js's own JPEG decoder replicates subsampled chroma and rounds its IDCT differently, so a YCbCr COG's
// values differed from GDAL's by up to 12 levels (and band minima of 0 where GDAL reads 22 and 24). libjpeg
// converts YCbCr to RGB itself, as GDAL's default JPEGCOLORMODE does, so such images are read as plain RGB.
import { addDecoder, BaseDecoder } from 'geotiff';
import { loadDecoder } from './wasm-codecs.ts';

const JPEG = 7;
const SOI = 0xd8;
const EOI = 0xd9;

class LibjpegDecoder extends BaseDecoder {
  /** The JPEGTables tag: quantisation and Huffman tables shared by every tile, as SOI … EOI. */
  private readonly tables: Uint8Array | undefined = (this.parameters as { JPEGTables?: Uint8Array }).JPEGTables;

  override async decodeBlock(buffer: ArrayBuffer): Promise<ArrayBuffer> {
    const Decoder = await loadDecoder('jpeg');
    const decoder = new Decoder();
    try {
      const tile = new Uint8Array(buffer);
      const stream = withTables(this.tables, tile);
      decoder.getEncodedBuffer(stream.length).set(stream);
      decoder.decode();
      return decoder.getDecodedBuffer().slice().buffer as ArrayBuffer;
    } catch (error) {
      // libjpeg's C++ exceptions arrive as bare numbers (a pointer into the module's memory).
      throw error instanceof Error ? error : new Error('a JPEG-compressed tile or strip could not be decoded');
    } finally {
      decoder.delete();
    }
  }
}

/** One stream: the tables' markers (without their EOI) before the tile's own (without its SOI). */
function withTables(tables: Uint8Array | undefined, tile: Uint8Array): Uint8Array {
  if (!tables || tables.length < 4 || tables[1] !== SOI || tile[1] !== SOI) return tile;
  const end = tables[tables.length - 2] === 0xff && tables[tables.length - 1] === EOI ? tables.length - 2 : tables.length;
  const stream = new Uint8Array(end + tile.length - 2);
  stream.set(tables.subarray(0, end));
  stream.set(tile.subarray(2), end);
  return stream;
}

/** Registers libjpeg-turbo for geotiff.js's JPEG compression (7); decoding stays on the calling thread. */
export function useLibjpegForTiff(): void {
  // JPEG has no predictor; the tables are the one parameter the decoder needs.
  const parameters = async (directory: { hasTag(tag: string): boolean; loadValue(tag: string): Promise<unknown> }) =>
    ({ predictor: 1, JPEGTables: directory.hasTag('JPEGTables') ? await directory.loadValue('JPEGTables') : undefined });
  addDecoder(JPEG, async () => LibjpegDecoder, parameters as never, false);
}
