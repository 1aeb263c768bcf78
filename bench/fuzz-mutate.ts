// Mutators for the fuzz campaign: generic byte damage plus damage that knows where each format keeps its lengths,
// counts, offsets, dimensions and types, so most mutants get past the magic bytes and checksums and reach the parser.
import { crc32 } from 'node:zlib';

export type Random = () => number;

/** Deterministic PRNG (mulberry32), so a mutant is rebuilt from its seed number alone. */
export function random(seed: number): Random {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Random, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Random, items: readonly T[]): T => items[int(rng, items.length)]!;

/** A field the structure-aware mutators may overwrite: its place, width and byte order. */
export interface Field {
  at: number;
  bytes: 1 | 2 | 4 | 8;
  little: boolean;
  /** What the field is, for the mutant's description. */
  name: string;
}

/** Values that break length, count, offset and dimension arithmetic. */
function hostileValue(rng: Random, field: Field, fileSize: number): bigint {
  const max = (1n << BigInt(field.bytes * 8)) - 1n;
  const choices = [0n, 1n, max, max >> 1n, (max >> 1n) + 1n, BigInt(fileSize), BigInt(fileSize + 1), BigInt(fileSize * 2), 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 255n, 256n];
  return pick(rng, choices) & max;
}

function writeField(bytes: Uint8Array, field: Field, value: bigint): void {
  if (field.at + field.bytes > bytes.length) return;
  for (let i = 0; i < field.bytes; i++) {
    const shift = BigInt(8 * (field.little ? i : field.bytes - 1 - i));
    bytes[field.at + i] = Number((value >> shift) & 0xffn);
  }
}

function readField(bytes: Uint8Array, field: Field): number {
  let value = 0;
  for (let i = 0; i < field.bytes; i++) value = value * 256 + bytes[field.at + (field.little ? field.bytes - 1 - i : i)]!;
  return value;
}

export interface Mutant {
  bytes: Uint8Array;
  /** What was done, so a failure report says more than a seed number. */
  how: string;
}

/** Flips 1–8 bits, most of them in the first 2 KiB where the headers are. */
function flipBits(bytes: Uint8Array, rng: Random): Mutant {
  const out = bytes.slice();
  const flips = 1 + int(rng, 8);
  for (let i = 0; i < flips; i++) {
    const at = int(rng, rng() < 0.7 ? Math.min(2048, out.length) : out.length);
    out[at] = out[at]! ^ (1 << int(rng, 8));
  }
  return { bytes: out, how: `${flips} bit flips` };
}

/** Overwrites a run of bytes with 0x00, 0xFF or random bytes. */
function byteRun(bytes: Uint8Array, rng: Random): Mutant {
  const out = bytes.slice();
  const length = 1 + int(rng, 64);
  const at = int(rng, out.length);
  const fill = pick(rng, ['zero', 'ones', 'random'] as const);
  for (let i = at; i < Math.min(out.length, at + length); i++) out[i] = fill === 'zero' ? 0 : fill === 'ones' ? 0xff : int(rng, 256);
  return { bytes: out, how: `${length} ${fill} bytes at ${at}` };
}

/** Cuts the file short: anywhere, or inside its first kilobyte. */
function truncate(bytes: Uint8Array, rng: Random): Mutant {
  const at = rng() < 0.3 ? int(rng, Math.min(1024, bytes.length)) : int(rng, bytes.length);
  return { bytes: bytes.slice(0, at), how: `cut at ${at} of ${bytes.length}` };
}

/** Copies a slice of the file over another place, or inserts or removes bytes (shifts every later offset). */
function shuffle(bytes: Uint8Array, rng: Random): Mutant {
  const length = 1 + int(rng, 256);
  const from = int(rng, bytes.length);
  const to = int(rng, bytes.length);
  const kind = pick(rng, ['copy', 'insert', 'delete'] as const);
  if (kind === 'copy') {
    const out = bytes.slice();
    out.set(bytes.subarray(from, from + length).subarray(0, out.length - to), to);
    return { bytes: out, how: `copied ${length} bytes from ${from} to ${to}` };
  }
  if (kind === 'insert') {
    const out = new Uint8Array(bytes.length + length);
    out.set(bytes.subarray(0, to));
    for (let i = 0; i < length; i++) out[to + i] = int(rng, 256);
    out.set(bytes.subarray(to), to + length);
    return { bytes: out, how: `inserted ${length} bytes at ${to}` };
  }
  const cut = Math.min(length, bytes.length - to);
  const out = new Uint8Array(bytes.length - cut);
  out.set(bytes.subarray(0, to));
  out.set(bytes.subarray(to + cut), to);
  return { bytes: out, how: `deleted ${cut} bytes at ${to}` };
}

/** Sets 1–3 known fields to hostile values (huge lengths, counts, offsets; zero; the file size ± 1). */
function hostileFields(bytes: Uint8Array, rng: Random, fields: Field[]): Mutant {
  const out = bytes.slice();
  const changed: string[] = [];
  const count = 1 + int(rng, 3);
  for (let i = 0; i < count; i++) {
    const field = pick(rng, fields);
    const value = hostileValue(rng, field, bytes.length);
    writeField(out, field, value);
    changed.push(`${field.name}=${value}`);
  }
  return { bytes: out, how: changed.join(', ') };
}

/** Sets a field to a small neighbour of its value (±1, ×2, other type codes): wrong dtypes, off-by-one sizes. */
function nudgeField(bytes: Uint8Array, rng: Random, fields: Field[]): Mutant {
  const out = bytes.slice();
  const field = pick(rng, fields);
  const value = readField(bytes, field);
  const next = pick(rng, [value + 1, value - 1, value * 2, value >> 1, int(rng, 20), value + 256]);
  writeField(out, field, BigInt(Math.max(0, next)) & ((1n << BigInt(field.bytes * 8)) - 1n));
  return { bytes: out, how: `${field.name} ${value}→${next}` };
}

export interface FormatMutator {
  /** Fields a hostile value may go into, found by walking the seed's structure. */
  fields(bytes: Uint8Array): Field[];
  /** Mutations only this format has (IFD cycles, a missing end marker…). */
  special?: ((bytes: Uint8Array, rng: Random) => Mutant | null)[];
  /** Run after mutation: e.g. recompute PNG chunk CRCs so the damage reaches the decoder. */
  repair?: (bytes: Uint8Array, rng: Random) => Uint8Array;
}

/** One mutant of `bytes`, chosen by `seed`: generic damage or damage aimed at the format's own fields. */
export function mutate(bytes: Uint8Array, seed: number, format: FormatMutator): Mutant {
  const rng = random(seed);
  const fields = format.fields(bytes);
  const roll = rng();
  let mutant: Mutant | null = null;
  if (roll < 0.15) mutant = flipBits(bytes, rng);
  else if (roll < 0.25) mutant = byteRun(bytes, rng);
  else if (roll < 0.35) mutant = truncate(bytes, rng);
  else if (roll < 0.45) mutant = shuffle(bytes, rng);
  else if (roll < 0.7 && fields.length) mutant = hostileFields(bytes, rng, fields);
  else if (roll < 0.85 && fields.length) mutant = nudgeField(bytes, rng, fields);
  else if (format.special?.length) mutant = pick(rng, format.special)(bytes, rng);
  mutant ??= flipBits(bytes, rng);
  if (format.repair && rng() < 0.7) mutant = { bytes: format.repair(mutant.bytes, rng), how: `${mutant.how}, checksums fixed` };
  return mutant;
}

// ---- Format-aware field finders ----

/** TIFF: every IFD's entry count, each entry's tag, type, count and value/offset, and the next-IFD pointer. */
function tiffIfds(bytes: Uint8Array): { fields: Field[]; ifds: { at: number; nextAt: number }[]; little: boolean; big: boolean } {
  const fields: Field[] = [];
  const ifds: { at: number; nextAt: number }[] = [];
  const little = bytes[0] === 0x49;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16) return { fields, ifds, little, big: false };
  const big = view.getUint16(2, little) === 43;
  const u = (at: number, n: number) => (n === 2 ? view.getUint16(at, little) : n === 4 ? view.getUint32(at, little) : Number(view.getBigUint64(at, little)));
  const ptr = big ? 8 : 4;
  let offset = u(big ? 8 : 4, ptr);
  fields.push({ at: big ? 8 : 4, bytes: ptr, little, name: 'first IFD offset' });
  const seen = new Set<number>();
  while (offset > 0 && offset + 8 < bytes.length && !seen.has(offset) && ifds.length < 64) {
    seen.add(offset);
    const countBytes = big ? 8 : 2;
    const count = u(offset, countBytes);
    const entryBytes = big ? 20 : 12;
    fields.push({ at: offset, bytes: countBytes, little, name: `IFD@${offset} entry count` });
    for (let i = 0; i < count; i++) {
      const e = offset + countBytes + i * entryBytes;
      if (e + entryBytes > bytes.length) break;
      const tag = u(e, 2);
      fields.push({ at: e + 2, bytes: 2, little, name: `tag ${tag} type` });
      fields.push({ at: e + 4, bytes: ptr, little, name: `tag ${tag} count` });
      fields.push({ at: e + 4 + ptr, bytes: ptr, little, name: `tag ${tag} value/offset` });
      if (i === 0 || worthRenaming(tag)) fields.push({ at: e, bytes: 2, little, name: `tag ${tag} id` });
    }
    const nextAt = offset + countBytes + count * entryBytes;
    if (nextAt + ptr > bytes.length) break;
    ifds.push({ at: offset, nextAt });
    fields.push({ at: nextAt, bytes: ptr, little, name: `IFD@${offset} next pointer` });
    offset = u(nextAt, ptr);
  }
  return { fields, ifds, little, big };
}

/** Only some tag ids are worth renaming (dimensions, layout, compression): the rest would dilute the set. */
function worthRenaming(tag: number): boolean {
  return [256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 322, 323, 324, 325, 339].includes(tag);
}

export const TIFF: FormatMutator = {
  fields: (bytes) => tiffIfds(bytes).fields,
  special: [
    // An IFD chain that loops: a next pointer back to itself or to the first IFD.
    (bytes, rng) => {
      const { ifds, little, big } = tiffIfds(bytes);
      if (!ifds.length) return null;
      const from = pick(rng, ifds);
      const to = pick(rng, ifds);
      const out = bytes.slice();
      writeField(out, { at: from.nextAt, bytes: big ? 8 : 4, little, name: '' }, BigInt(to.at));
      return { bytes: out, how: `IFD@${from.at} next → IFD@${to.at} (cycle)` };
    },
    // Width × height × samples chosen to overflow 32-bit products.
    (bytes, rng) => {
      const { fields } = tiffIfds(bytes);
      const dims = fields.filter((f) => /^tag (256|257|277|322|323) value/.test(f.name));
      if (!dims.length) return null;
      const out = bytes.slice();
      const changed = dims.filter(() => rng() < 0.6).map((f) => {
        const value = pick(rng, [65535n, 65536n, 100000n, 0x10001n, 0xffffn]);
        writeField(out, { ...f, bytes: f.bytes === 8 ? 8 : 2 }, value);
        return `${f.name}=${value}`;
      });
      return { bytes: out, how: `dimensions ${changed.join(', ') || 'unchanged'}` };
    },
  ],
};

/** PNG: each chunk's length, IHDR's width, height, bit depth, colour type and interlace method. */
export const PNG: FormatMutator = {
  fields: (bytes) => {
    const fields: Field[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 8; at + 12 <= bytes.length;) {
      const length = view.getUint32(at);
      const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
      fields.push({ at, bytes: 4, little: false, name: `${type} length` });
      if (type === 'IHDR') {
        fields.push({ at: at + 8, bytes: 4, little: false, name: 'width' }, { at: at + 12, bytes: 4, little: false, name: 'height' });
        for (const [k, name] of [[16, 'bit depth'], [17, 'colour type'], [18, 'compression'], [19, 'filter'], [20, 'interlace']] as const) fields.push({ at: at + k, bytes: 1, little: false, name });
      }
      at += 12 + length;
    }
    return fields;
  },
  special: [
    (bytes, rng) => {
      const out = bytes.slice(0, Math.max(8, bytes.length - 12 - int(rng, 4)));
      return { bytes: out, how: 'IEND removed' };
    },
  ],
  repair: (bytes) => {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    for (let at = 8; at + 12 <= out.length;) {
      const length = view.getUint32(at);
      if (at + 12 + length > out.length) break;
      view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
      at += 12 + length;
    }
    return out;
  },
};

/** JPEG: every marker segment's length; SOF's precision, height, width and component count; DHT code counts. */
export const JPEG: FormatMutator = {
  fields: (bytes) => {
    const fields: Field[] = [];
    for (let at = 2; at + 4 <= bytes.length;) {
      if (bytes[at] !== 0xff) break;
      const marker = bytes[at + 1]!;
      const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
      fields.push({ at: at + 2, bytes: 2, little: false, name: `FF${marker.toString(16)} length` });
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        fields.push({ at: at + 4, bytes: 1, little: false, name: 'precision' }, { at: at + 5, bytes: 2, little: false, name: 'height' },
          { at: at + 7, bytes: 2, little: false, name: 'width' }, { at: at + 9, bytes: 1, little: false, name: 'components' });
        for (let c = 0; c < bytes[at + 9]!; c++) fields.push({ at: at + 11 + c * 3, bytes: 1, little: false, name: `component ${c} sampling` });
      }
      if (marker === 0xc4) for (let k = 0; k < 16; k++) fields.push({ at: at + 5 + k, bytes: 1, little: false, name: `DHT count ${k + 1}` });
      if (marker === 0xda) break;
      at += 2 + length;
    }
    return fields;
  },
  special: [
    (bytes) => (bytes.at(-2) === 0xff && bytes.at(-1) === 0xd9 ? { bytes: bytes.slice(0, -2), how: 'EOI removed' } : null),
    (bytes, rng) => {
      // A second SOF or SOS marker dropped into the entropy-coded data.
      const out = bytes.slice();
      const at = Math.floor(out.length / 2) + int(rng, Math.floor(out.length / 2) - 2);
      out[at] = 0xff;
      out[at + 1] = pick(rng, [0xc0, 0xc2, 0xda, 0xd9, 0xdd, 0xd0]);
      return { bytes: out, how: `marker FF${out[at + 1]!.toString(16)} at ${at}` };
    },
  ],
};

/**
 * DICOM: every data element's length field (explicit VR little endian, as most files are written), and the values
 * of the pixel-describing elements (rows, columns, bits, samples, frames). Implicit-VR files get their 4-byte lengths.
 */
export const DICOM: FormatMutator = {
  fields: (bytes) => {
    const fields: Field[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const longVRs = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'OD', 'OL', 'UC', 'UR', 'OV']);
    let at = bytes.length > 132 && bytes[128] === 0x44 ? 132 : 0;
    while (at + 8 <= bytes.length && fields.length < 2000) {
      const group = view.getUint16(at, true);
      const element = view.getUint16(at + 2, true);
      const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
      const tag = `(${group.toString(16)},${element.toString(16)})`;
      if (/^[A-Z]{2}$/.test(vr)) {
        const long = longVRs.has(vr);
        const lengthAt = long ? at + 8 : at + 6;
        if (lengthAt + 4 > bytes.length) break;
        const length = long ? view.getUint32(lengthAt, true) : view.getUint16(lengthAt, true);
        fields.push({ at: lengthAt, bytes: long ? 4 : 2, little: true, name: `${tag} length` });
        const valueAt = lengthAt + (long ? 4 : 2);
        if (group === 0x28 && vr === 'US') fields.push({ at: valueAt, bytes: 2, little: true, name: `${tag} value` });
        // Into sequences and undefined-length pixel data: step over the header only.
        at = length === 0xffffffff || vr === 'SQ' ? valueAt : valueAt + length;
      } else {
        const length = view.getUint32(at + 4, true);
        fields.push({ at: at + 4, bytes: 4, little: true, name: `${tag} length (implicit)` });
        if (group === 0x28) fields.push({ at: at + 8, bytes: 2, little: true, name: `${tag} value` });
        at = length === 0xffffffff || group === 0xfffe ? at + 8 : at + 8 + length;
      }
    }
    return fields;
  },
  special: [
    (bytes) => {
      // The last frame's JPEG end-of-image marker removed (kept length even).
      for (let i = bytes.length - 2; i > bytes.length - 64 && i > 0; i--) {
        if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) {
          const out = bytes.slice();
          out[i] = 0; out[i + 1] = 0;
          return { bytes: out, how: 'EOI zeroed' };
        }
      }
      return null;
    },
  ],
};

/** NIfTI-1 and -2 headers: sizeof_hdr, dims, datatype, bitpix, vox_offset, scl_slope/inter, qform/sform codes. */
export const NIFTI: FormatMutator = {
  fields: (bytes) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 540) return [];
    const v2 = bytes[4] === 0x6e && bytes[6] === 0x32;
    const little = v2 ? view.getInt32(0, true) === 540 : view.getInt32(0, true) === 348;
    const fields: Field[] = [{ at: 0, bytes: 4, little, name: 'sizeof_hdr' }];
    if (v2) {
      for (let d = 0; d < 8; d++) fields.push({ at: 16 + d * 8, bytes: 8, little, name: `dim[${d}]` });
      fields.push({ at: 12, bytes: 2, little, name: 'datatype' }, { at: 14, bytes: 2, little, name: 'bitpix' }, { at: 168, bytes: 8, little, name: 'vox_offset' },
        { at: 176, bytes: 8, little, name: 'scl_slope' }, { at: 344, bytes: 4, little, name: 'qform_code' }, { at: 348, bytes: 4, little, name: 'sform_code' });
    } else {
      for (let d = 0; d < 8; d++) fields.push({ at: 40 + d * 2, bytes: 2, little, name: `dim[${d}]` });
      fields.push({ at: 70, bytes: 2, little, name: 'datatype' }, { at: 72, bytes: 2, little, name: 'bitpix' }, { at: 108, bytes: 4, little, name: 'vox_offset' },
        { at: 112, bytes: 4, little, name: 'scl_slope' }, { at: 252, bytes: 2, little, name: 'qform_code' }, { at: 254, bytes: 2, little, name: 'sform_code' });
    }
    return fields;
  },
  special: [
    // Dimensions whose product overflows 32 bits while each one looks plausible.
    (bytes, rng) => {
      const v2 = bytes[4] === 0x6e && bytes[6] === 0x32;
      const out = bytes.slice();
      const view = new DataView(out.buffer);
      const little = view.getInt32(0, true) === (v2 ? 540 : 348);
      const dims = [pick(rng, [3, 4, 7]), 65535, 65535, pick(rng, [2, 3, 32767]), 2, 1, 1, 1];
      dims.forEach((d, i) => (v2 ? view.setBigInt64(16 + i * 8, BigInt(d), little) : view.setInt16(40 + i * 2, Math.min(d, 32767), little)));
      return { bytes: out, how: `dims ${dims.join('×')}` };
    },
  ],
};

/** Byte damage only (JSON is mutated structurally before it gets here; SQLite has its own header fields). */
export const BYTES: FormatMutator = { fields: () => [] };

/** SQLite: the page size, the page counts and the schema cookie in the 100-byte header, and each b-tree page header. */
export const SQLITE: FormatMutator = {
  fields: (bytes) => {
    if (bytes.length < 100) return [];
    const pageSize = ((bytes[16]! << 8) | bytes[17]!) || 65536;
    const fields: Field[] = [
      { at: 16, bytes: 2, little: false, name: 'page size' }, { at: 28, bytes: 4, little: false, name: 'page count' },
      { at: 32, bytes: 4, little: false, name: 'first freelist page' }, { at: 40, bytes: 4, little: false, name: 'schema cookie' },
      { at: 56, bytes: 4, little: false, name: 'text encoding' },
    ];
    for (let page = 0; page * pageSize < bytes.length; page++) {
      const at = page * pageSize + (page === 0 ? 100 : 0);
      fields.push({ at: at + 3, bytes: 2, little: false, name: `page ${page + 1} cell count` }, { at: at + 5, bytes: 2, little: false, name: `page ${page + 1} content start` });
      if (bytes[at] === 5 || bytes[at] === 2) fields.push({ at: at + 8, bytes: 4, little: false, name: `page ${page + 1} right child` });
    }
    return fields;
  },
};

const DEEP = '\u0000deeply nested\u0000';

/** JSON mutated as a tree: a value replaced by another type, a huge or deeply nested one, a key removed. */
export function mutateJson(text: string, seed: number): Mutant {
  const rng = random(seed);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return mutate(new TextEncoder().encode(text), seed, BYTES);
  }
  if (rng() < 0.25) return mutate(new TextEncoder().encode(text), seed, BYTES);
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, at: (string | number)[]) => {
    paths.push(at);
    if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, [...at, Array.isArray(node) ? Number(k) : k]);
  };
  walk(value, []);
  const changes: string[] = [];
  for (let n = 1 + int(rng, 3); n > 0; n--) {
    const target = pick(rng, paths);
    const replacement = pick(rng, [
      () => null, () => -1, () => 1e308, () => 2 ** 53 + 1, () => '', () => 'x'.repeat(100_000), () => [], () => ({}), () => true,
      () => Array.from({ length: 100_000 }, () => 0), () => DEEP, () => '#zzzzzz', () => NaN,
      () => undefined,
    ])();
    if (target.length === 0) value = replacement;
    else {
      let parent = value as Record<string | number, unknown>;
      for (const key of target.slice(0, -1)) parent = parent?.[key] as Record<string | number, unknown>;
      if (parent && typeof parent === 'object') {
        const key = target.at(-1)!;
        if (replacement === undefined) delete parent[key];
        else parent[key] = replacement;
      }
    }
    changes.push(`${target.join('.') || '(root)'} → ${replacement === undefined ? 'removed' : Array.isArray(replacement) ? `array of ${replacement.length}` : typeof replacement === 'string' ? `string of ${replacement.length}` : String(replacement)}`);
  }
  // Deep nesting is spliced in as text: JSON.stringify itself would overflow the stack on it.
  const json = (JSON.stringify(value) ?? '').replaceAll(JSON.stringify(DEEP), '['.repeat(100_000) + ']'.repeat(100_000));
  return { bytes: new TextEncoder().encode(json), how: changes.join(', ') };
}
