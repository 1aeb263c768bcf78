// Run-length coding of a label plane, for planes that cross the API whole (grow from seeds): strokes on an otherwise
// unlabeled plane, or a grown plane of a few large regions, shrink from megabytes to kilobytes, so a 2048² plane
// does not spend its time as base64 text. Each run is its value (one byte) then its length (unsigned LEB128).

/** The runs of `values`: value byte, then the run's length in 7-bit groups, low group first. */
export function encodeRuns(values: Uint8Array): Uint8Array {
  let out: Uint8Array = new Uint8Array(Math.max(16, values.length >> 6));
  let n = 0;
  let i = 0;
  while (i < values.length) {
    const value = values[i];
    let end = i + 1;
    while (end < values.length && values[end] === value) end++;
    // One value byte and at most five length bytes (a 32-bit length).
    if (n + 6 > out.length) out = grown(out, n + 6);
    out[n++] = value;
    let length = end - i;
    while (length >= 0x80) {
      out[n++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    out[n++] = length;
    i = end;
  }
  return out.slice(0, n);
}

/** The `count` values that `runs` codes; a RangeError when the runs do not add up to `count` or end midway. */
export function decodeRuns(runs: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let at = 0;
  let i = 0;
  while (i < runs.length) {
    const value = runs[i++];
    let length = 0;
    let shift = 0;
    for (;;) {
      if (i >= runs.length || shift > 28) throw new RangeError(`run-length labels end inside a run's length (byte ${i})`);
      const byte = runs[i++];
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    if (length === 0 || at + length > count) throw new RangeError(`run-length labels hold more than the ${count} values expected`);
    out.fill(value, at, at + length);
    at += length;
  }
  if (at !== count) throw new RangeError(`run-length labels hold ${at} values, expected ${count}`);
  return out;
}

function grown(bytes: Uint8Array, least: number): Uint8Array {
  const out = new Uint8Array(Math.max(least, bytes.length * 2));
  out.set(bytes);
  return out;
}
