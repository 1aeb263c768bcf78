// The one TIFF/GeoTIFF encoder: rows are appended top to bottom and leave memory as deflated strips, so a file of
// any size is written with one strip in memory. Strips go to a temp file beside the target; finish() appends the IFD
// (strip offsets and byte counts known only then), points the header at it, syncs and renames into place.
import { open, mkdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { InputError, type RasterDType } from './raster.ts';
import { entryBytes, geoEntries, TYPE, writeEntryValues, type TiffEntry, type TiffGeoreference } from './tiff-tags.ts';
import { tempPathFor, writeError } from './write-atomic.ts';

export type TiffSamples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface TiffStripWriterOptions {
  width: number;
  height: number;
  bands: number;
  dtype: RasterDType;
  /** How the file stores bands: 'pixel' (chunky, the default) or 'band' (planar). Rows are appended pixel-interleaved either way. */
  interleave?: 'pixel' | 'band';
  compression?: 'deflate' | 'none';
  georeference?: TiffGeoreference | null;
  nodata?: number | null;
  /** 64-bit offsets. By default only when the uncompressed file could pass the classic TIFF's 4 GB. */
  bigTiff?: boolean;
}

const ARRAY_OF: Record<RasterDType, { new (length: number): TiffSamples; readonly BYTES_PER_ELEMENT: number }> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};
/** A zeroed array of `length` samples of `dtype`. */
export function newSamples(dtype: RasterDType, length: number): TiffSamples {
  return new ARRAY_OF[dtype](length);
}

/** Raw bytes per strip: large enough that deflate works well and the strip tables stay short, small enough to hold. */
const STRIP_TARGET_BYTES = 128 * 1024;
const MAX_CLASSIC_TIFF_BYTES = 2 ** 32 - 1;
/** Room for deflate's worst case (incompressible data grows slightly) and the IFD when choosing classic vs BigTIFF. */
const SIZE_MARGIN = 1.01;

export class TiffStripWriter {
  readonly rowsPerStrip: number;
  readonly bigTiff: boolean;
  private rowsDone = 0;
  private readonly pending: Uint8Array;
  private pendingRows = 0;
  private offset: number;
  /** Per band (one list when chunky): file offset and byte count of each strip. */
  private readonly stripOffsets: number[][];
  private readonly stripCounts: number[][];
  private handle: FileHandle | null;
  private readonly sampleBytes: number;
  private readonly rowBytes: number;
  private readonly planar: boolean;

  private constructor(readonly file: string, private readonly temp: string, handle: FileHandle, private readonly options: TiffStripWriterOptions) {
    const { width, height, bands, dtype } = options;
    this.handle = handle;
    this.sampleBytes = ARRAY_OF[dtype].BYTES_PER_ELEMENT;
    this.planar = options.interleave === 'band' && bands > 1;
    this.rowBytes = width * bands * this.sampleBytes;
    const stripRowBytes = this.planar ? width * this.sampleBytes : this.rowBytes;
    this.rowsPerStrip = Math.max(1, Math.min(height, Math.floor(STRIP_TARGET_BYTES / stripRowBytes)));
    this.pending = new Uint8Array(this.rowsPerStrip * this.rowBytes);
    const raw = this.rowBytes * height;
    this.bigTiff = options.bigTiff ?? raw * SIZE_MARGIN + (height / this.rowsPerStrip) * bands * 16 + 65536 > MAX_CLASSIC_TIFF_BYTES;
    this.offset = this.bigTiff ? 16 : 8;
    const planes = this.planar ? bands : 1;
    this.stripOffsets = Array.from({ length: planes }, () => []);
    this.stripCounts = Array.from({ length: planes }, () => []);
  }

  /** Creates the temp file beside `file` (and its folder); nothing appears under `file` until finish(). */
  static async create(file: string, options: TiffStripWriterOptions): Promise<TiffStripWriter> {
    const { width, height, bands } = options;
    if (![width, height, bands].every((n) => Number.isInteger(n) && n >= 1)) {
      throw new RangeError(`${file}: cannot write a ${width}x${height} TIFF with ${bands} band(s)`);
    }
    if (!(options.dtype in ARRAY_OF)) throw new RangeError(`${file}: unsupported TIFF sample type ${options.dtype}`);
    const temp = tempPathFor(file);
    try {
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      return new TiffStripWriter(file, temp, await open(temp, 'w'), options);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw writeError(file, error);
    }
  }

  get rowsWritten(): number {
    return this.rowsDone + this.pendingRows;
  }

  /** Appends whole rows, pixel-interleaved ((row * width + col) * bands + band), of the writer's sample type. */
  async appendRows(samples: TiffSamples): Promise<void> {
    const { width, height, bands, dtype } = this.options;
    if (!(samples instanceof ARRAY_OF[dtype])) throw new TypeError(`${this.file}: rows must be ${ARRAY_OF[dtype].name}, got ${samples.constructor.name}`);
    const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
    if (bytes.length % this.rowBytes !== 0) throw new RangeError(`${this.file}: ${samples.length} samples are not whole rows of ${width}x${bands}`);
    const rows = bytes.length / this.rowBytes;
    if (this.rowsWritten + rows > height) throw new RangeError(`${this.file}: ${this.rowsWritten + rows} rows appended to an image of ${height}`);
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(bytes.length - at, this.pending.length - this.pendingRows * this.rowBytes);
      this.pending.set(bytes.subarray(at, at + take), this.pendingRows * this.rowBytes);
      this.pendingRows += take / this.rowBytes;
      at += take;
      if (this.pendingRows === this.rowsPerStrip) await this.writeStrip();
    }
  }

  /** Writes the pending rows as one strip (one per band when planar). */
  private async writeStrip(): Promise<void> {
    const rows = this.pendingRows;
    const raw = this.pending.subarray(0, rows * this.rowBytes);
    const planes = this.planar ? this.options.bands : 1;
    for (let plane = 0; plane < planes; plane++) {
      const samples = this.planar ? this.bandOf(raw, plane, rows) : raw;
      const strip = this.options.compression === 'none' ? samples : deflateSync(samples);
      await this.write(strip, this.offset);
      this.stripOffsets[plane]!.push(this.offset);
      this.stripCounts[plane]!.push(strip.length);
      // Word-aligned, as TIFF 6.0 asks of offsets.
      this.offset += strip.length + (strip.length & 1);
    }
    this.rowsDone += rows;
    this.pendingRows = 0;
  }

  private bandOf(raw: Uint8Array, band: number, rows: number): Uint8Array {
    const { bands } = this.options;
    const s = this.sampleBytes;
    const out = new Uint8Array(rows * this.options.width * s);
    for (let i = 0, src = band * s; i < out.length; i += s, src += bands * s) {
      for (let k = 0; k < s; k++) out[i + k] = raw[src + k]!;
    }
    return out;
  }

  private async write(bytes: Uint8Array, position: number): Promise<void> {
    if (!this.handle) throw new Error(`${this.file}: the TIFF writer is already finished or aborted`);
    await this.handle.write(bytes, 0, bytes.length, position);
  }

  /** Writes the IFD and renames the temp file into place; every row must have been appended. */
  async finish(): Promise<void> {
    try {
      if (this.rowsWritten !== this.options.height) {
        throw new RangeError(`${this.file}: ${this.rowsWritten} of ${this.options.height} rows were written`);
      }
      if (this.pendingRows > 0) await this.writeStrip();
      const ifdOffset = this.offset;
      const ifd = this.encodeIfd(ifdOffset);
      if (!this.bigTiff && ifdOffset + ifd.length > MAX_CLASSIC_TIFF_BYTES) {
        throw new InputError(this.file, `over 4 GB after compression, too large for a classic TIFF; write it as BigTIFF`);
      }
      await this.write(ifd, ifdOffset);
      await this.write(this.header(ifdOffset), 0);
      const handle = this.handle!;
      await handle.sync();
      await handle.close();
      this.handle = null;
      await rename(this.temp, this.file);
    } catch (error) {
      await this.abort();
      throw writeError(this.file, error);
    }
  }

  /** Stops writing and deletes the temp file; the target is left as it was. Safe to call more than once. */
  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => undefined);
    await rm(this.temp, { force: true }).catch(() => undefined);
  }

  private header(ifdOffset: number): Uint8Array {
    const header = new DataView(new ArrayBuffer(this.bigTiff ? 16 : 8));
    header.setUint16(0, 0x4949, true);
    if (this.bigTiff) {
      header.setUint16(2, 43, true);
      header.setUint16(4, 8, true);
      header.setBigUint64(8, BigInt(ifdOffset), true);
    } else {
      header.setUint16(2, 42, true);
      header.setUint32(4, ifdOffset, true);
    }
    return new Uint8Array(header.buffer);
  }

  private entries(): TiffEntry[] {
    const { width, height, bands, dtype, georeference, nodata } = this.options;
    const format = dtype.startsWith('float') ? 3 : dtype.startsWith('int') ? 2 : 1;
    const offsetType = this.bigTiff ? TYPE.LONG8 : TYPE.LONG;
    const entries: TiffEntry[] = [
      { tag: 256, type: TYPE.LONG, values: [width] },
      { tag: 257, type: TYPE.LONG, values: [height] },
      { tag: 258, type: TYPE.SHORT, values: new Array(bands).fill(this.sampleBytes * 8) },
      { tag: 259, type: TYPE.SHORT, values: [this.options.compression === 'none' ? 1 : 8] },
      { tag: 262, type: TYPE.SHORT, values: [1] },
      { tag: 273, type: offsetType, values: this.stripOffsets.flat() },
      { tag: 277, type: TYPE.SHORT, values: [bands] },
      { tag: 278, type: TYPE.LONG, values: [this.rowsPerStrip] },
      { tag: 279, type: offsetType, values: this.stripCounts.flat() },
      { tag: 284, type: TYPE.SHORT, values: [this.planar ? 2 : 1] },
      { tag: 339, type: TYPE.SHORT, values: new Array(bands).fill(format) },
    ];
    // Gray with extra bands: declare them as unspecified extra samples so readers do not guess colour.
    if (bands > 1) entries.push({ tag: 338, type: TYPE.SHORT, values: new Array(bands - 1).fill(0) });
    if (georeference) entries.push(...geoEntries(georeference));
    if (nodata !== undefined && nodata !== null) entries.push({ tag: 42113, type: TYPE.ASCII, values: `${nodata}\0` });
    return entries.sort((a, b) => a.tag - b.tag);
  }

  /** The IFD and the values too long to sit in their entries, laid out from `at`. */
  private encodeIfd(at: number): Uint8Array {
    const entries = this.entries();
    const big = this.bigTiff;
    const entrySize = big ? 20 : 12;
    const inline = big ? 8 : 4;
    const ifdBytes = (big ? 8 : 2) + entries.length * entrySize + (big ? 8 : 4);
    let extraBytes = 0;
    for (const e of entries) if (entryBytes(e) > inline) extraBytes += entryBytes(e) + (entryBytes(e) & 1);
    const view = new DataView(new ArrayBuffer(ifdBytes + extraBytes));
    if (big) view.setBigUint64(0, BigInt(entries.length), true);
    else view.setUint16(0, entries.length, true);
    let extra = ifdBytes;
    entries.forEach((e, i) => {
      const entry = (big ? 8 : 2) + i * entrySize;
      view.setUint16(entry, e.tag, true);
      view.setUint16(entry + 2, e.type, true);
      if (big) view.setBigUint64(entry + 4, BigInt(e.values.length), true);
      else view.setUint32(entry + 4, e.values.length, true);
      const valueAt = entry + (big ? 12 : 8);
      const size = entryBytes(e);
      if (size <= inline) {
        writeEntryValues(view, valueAt, e);
        return;
      }
      if (big) view.setBigUint64(valueAt, BigInt(at + extra), true);
      else view.setUint32(valueAt, at + extra, true);
      writeEntryValues(view, extra, e);
      extra += size + (size & 1);
    });
    // The next-IFD offset stays 0: one image per file.
    return new Uint8Array(view.buffer);
  }
}
