// A TIFF's structure checked before the geotiff package reads it: one damaged pointer could otherwise hang it (an
// IFD chain that loops) or make it allocate gigabytes until V8 aborts the process (a strip byte count of 4 GB).
// Only the header, the IFDs and the offset and byte-count arrays are read: a few kilobytes, whatever the image size.
import { open, type FileHandle } from 'node:fs/promises';
import { globals } from 'geotiff';
import { InputError } from './raster.ts';
import { checkDecodedSize } from './limits.ts';

/** Tag numbers by name, from geotiff.js's own table. */
const TAG = globals.tags as Record<string, number>;
/** Bytes per value of each TIFF field type (TIFF 6.0 and BigTIFF). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };
/** Tag names by number, for messages. */
const TAG_NAME = new Map(Object.entries(TAG).map(([name, tag]) => [tag, name]));
/** Field types that hold whole numbers (BYTE, SHORT, LONG, IFD, LONG8, IFD8): sizes, counts and offsets must be one. */
const WHOLE_NUMBER_TYPES = new Set([1, 3, 4, 13, 16, 18]);
/** More images than any real pyramid or stack has: a longer chain is damage, not data. */
const MAX_IFDS = 100_000;

interface Layout {
  little: boolean;
  big: boolean;
  size: number;
}

class Reader {
  constructor(private readonly handle: FileHandle, readonly layout: Layout, readonly file: string) {}

  /** `length` bytes at `offset`, refused (with what they were for) when they are not all inside the file. */
  async bytes(offset: number, length: number, what: string): Promise<DataView> {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.layout.size) {
      throw new InputError(this.file, `damaged TIFF: ${what} at byte ${offset} (${length} bytes) lies outside the file (${this.layout.size} bytes)`);
    }
    const buffer = Buffer.alloc(length);
    await this.handle.read(buffer, 0, length, offset);
    return new DataView(buffer.buffer, buffer.byteOffset, length);
  }

  uint(view: DataView, at: number, bytes: number): number {
    const { little } = this.layout;
    if (bytes === 1) return view.getUint8(at);
    if (bytes === 2) return view.getUint16(at, little);
    if (bytes === 4) return view.getUint32(at, little);
    return Number(view.getBigUint64(at, little));
  }
}

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Where the values are: inside the entry, or at an offset in the file. */
  valuesAt: number;
}

/** Reads the entries of the IFD at `offset`; returns them and the next IFD's offset (0 at the end of the chain). */
async function readIfd(reader: Reader, offset: number, index: number): Promise<{ entries: Entry[]; next: number }> {
  const { big } = reader.layout;
  const countBytes = big ? 8 : 2;
  const entryBytes = big ? 20 : 12;
  const pointerBytes = big ? 8 : 4;
  const count = reader.uint(await reader.bytes(offset, countBytes, `IFD ${index}'s entry count`), 0, countBytes);
  const table = await reader.bytes(offset + countBytes, count * entryBytes + pointerBytes, `IFD ${index}'s ${count} entries`);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * entryBytes;
    const tag = reader.uint(table, at, 2);
    const type = reader.uint(table, at + 2, 2);
    const values = reader.uint(table, at + 4, big ? 8 : 4);
    const inline = big ? 8 : 4;
    const valueField = at + (big ? 12 : 8);
    const bytes = (TYPE_SIZE[type] ?? 1) * values;
    const valuesAt = bytes <= inline ? offset + countBytes + valueField : reader.uint(table, valueField, inline);
    if (bytes > inline && (valuesAt + bytes > reader.layout.size || !Number.isSafeInteger(bytes))) {
      throw new InputError(reader.file, `damaged TIFF: tag ${tag} of IFD ${index} has ${values} values at byte ${valuesAt}, past the end of the file (${reader.layout.size} bytes)`);
    }
    entries.push({ tag, type, count: values, valuesAt });
  }
  return { entries, next: reader.uint(table, count * entryBytes, pointerBytes) };
}

/**
 * A tag's values as whole numbers. Any other field type is damage here: geotiff.js would read a FLOAT tile length
 * of 32 as 4.5e-45 and then loop over more tiles than there are numbers.
 */
async function entryValues(reader: Reader, entry: Entry, index: number): Promise<number[]> {
  const name = `${TAG_NAME.get(entry.tag) ?? 'tag'} (tag ${entry.tag}) of IFD ${index}`;
  if (!WHOLE_NUMBER_TYPES.has(entry.type)) throw new InputError(reader.file, `damaged TIFF: ${name} has field type ${entry.type}, where whole numbers belong`);
  if (entry.count === 0) throw new InputError(reader.file, `damaged TIFF: ${name} has no value`);
  const size = TYPE_SIZE[entry.type] ?? 1;
  const view = await reader.bytes(entry.valuesAt, entry.count * size, `tag ${entry.tag}'s values`);
  return Array.from({ length: entry.count }, (_, i) => reader.uint(view, i * size, size));
}

/** The first value of a tag, or `fallback` when the IFD lacks it. */
async function single(reader: Reader, entries: Entry[], tag: number, fallback: number, index: number): Promise<number> {
  const entry = entries.find((e) => e.tag === tag);
  return entry ? (await entryValues(reader, { ...entry, count: Math.min(entry.count, 1) }, index))[0]! : fallback;
}

/**
 * How many strips or tiles the image's size needs, and the pixels of one: a count of offsets short of that would
 * send geotiff.js reading offsets that do not exist, and one chunk's size is decoded in one allocation.
 */
async function chunkGrid(reader: Reader, entries: Entry[], index: number): Promise<number> {
  const width = await single(reader, entries, TAG.ImageWidth!, 0, index);
  const height = await single(reader, entries, TAG.ImageLength!, 0, index);
  const samples = await single(reader, entries, TAG.SamplesPerPixel!, 1, index);
  const planar = (await single(reader, entries, TAG.PlanarConfiguration!, 1, index)) === 2;
  // geotiff.js reads no band then, and the tile it fetched anyway fails where nothing awaits it.
  if (samples < 1) throw new InputError(reader.file, `damaged TIFF: IFD ${index} has ${samples} samples per pixel`);
  const tiled = entries.some((e) => e.tag === TAG.TileWidth!);
  const chunkWidth = tiled ? await single(reader, entries, TAG.TileWidth!, 0, index) : width;
  const chunkHeight = tiled ? await single(reader, entries, TAG.TileLength!, 0, index) : Math.min(height, await single(reader, entries, TAG.RowsPerStrip!, height, index));
  checkDecodedSize(reader.file, `IFD ${index}'s image`, width, height);
  checkDecodedSize(reader.file, `IFD ${index}'s ${tiled ? 'tile' : 'strip'}`, chunkWidth, chunkHeight, planar ? 1 : samples);
  const perPlane = Math.ceil(width / chunkWidth) * Math.ceil(height / chunkHeight);
  return planar ? perPlane * samples : perPlane;
}

/** Every strip or tile must lie inside the file: geotiff.js would allocate whatever a byte count says. */
async function checkChunks(reader: Reader, entries: Entry[], index: number): Promise<void> {
  const { file } = reader;
  // Masks and other images without pixel data of their own are left to geotiff.js.
  const needed = entries.some((e) => e.tag === TAG.ImageWidth!) ? await chunkGrid(reader, entries, index) : 0;
  for (const [offsetsTag, countsTag, kind] of [[TAG.StripOffsets!, TAG.StripByteCounts!, 'strip'], [TAG.TileOffsets!, TAG.TileByteCounts!, 'tile']] as const) {
    const offsetsEntry = entries.find((e) => e.tag === offsetsTag);
    const countsEntry = entries.find((e) => e.tag === countsTag);
    if (!offsetsEntry || !countsEntry) continue;
    const [offsets, counts] = [await entryValues(reader, offsetsEntry, index), await entryValues(reader, countsEntry, index)];
    if (offsets.length !== counts.length) throw new InputError(file, `damaged TIFF: IFD ${index} lists ${offsets.length} ${kind} offsets but ${counts.length} byte counts`);
    if (offsets.length < needed) throw new InputError(file, `damaged TIFF: IFD ${index} lists ${offsets.length} ${kind}s, its image size needs ${needed}`);
    offsets.forEach((offset, k) => {
      if (offset + counts[k]! > reader.layout.size) {
        throw new InputError(file, `damaged TIFF: ${kind} ${k} of IFD ${index} claims ${counts[k]} bytes at byte ${offset}, past the end of the file (${reader.layout.size} bytes)`);
      }
    });
  }
}

/** Throws one InputError naming what is damaged; returns quietly for a sound file. */
export async function checkTiffStructure(file: string): Promise<void> {
  const handle = await open(file, 'r').catch(() => {
    throw new InputError(file, 'cannot be opened');
  });
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(16);
    await handle.read(head, 0, Math.min(16, size), 0);
    const order = head.toString('latin1', 0, 2);
    if (size < 8 || (order !== 'II' && order !== 'MM')) throw new InputError(file, 'not a TIFF (no II/MM byte-order mark)');
    const little = order === 'II';
    const view = new DataView(head.buffer, head.byteOffset, 16);
    const version = view.getUint16(2, little);
    if (version !== 42 && version !== 43) throw new InputError(file, `not a TIFF (version ${version}, expected 42 or 43)`);
    const reader = new Reader(handle, { little, big: version === 43, size }, file);
    let offset = version === 43 ? Number(view.getBigUint64(8, little)) : view.getUint32(4, little);
    const visited = new Set<number>();
    for (let index = 0; offset !== 0; index++) {
      if (visited.has(offset)) throw new InputError(file, `damaged TIFF: IFD ${index} points back to the IFD at byte ${offset}, a loop`);
      if (visited.size >= MAX_IFDS) throw new InputError(file, `damaged TIFF: more than ${MAX_IFDS} images in its IFD chain`);
      visited.add(offset);
      const { entries, next } = await readIfd(reader, offset, index);
      await checkChunks(reader, entries, index);
      offset = next;
    }
  } finally {
    await handle.close();
  }
}
