import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLzw } from '../../../src/io/tiff-lzw.ts';

// MSB-first codes of the given widths, packed as TIFF writes them.
function pack(codes: [number, number][]): Uint8Array {
  let bits = '';
  for (const [code, width] of codes) bits += code.toString(2).padStart(width, '0');
  bits = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0');
  return Uint8Array.from(bits.match(/.{8}/g)!, (b) => parseInt(b, 2));
}

test('LZW: literals, a code made from the previous string (KwKwK) and end of information', () => {
  // CLEAR, 'a', 'b', 258 ('ab'), 260 (not yet in the table: 'ab' + 'a'), END: a, b, ab, aba. a, b, ab, aba.
  const stream = pack([[256, 9], [97, 9], [98, 9], [258, 9], [260, 9], [257, 9]]);
  assert.deepEqual(Array.from(decodeLzw(stream, 100)), [...'abababa'].map((c) => c.charCodeAt(0)));
});

test('LZW: output stops at the chunk size, however much the stream claims', () => {
  const stream = pack([[256, 9], [97, 9], ...Array.from({ length: 200 }, (_, i) => [258 + i, 9] as [number, number])]);
  assert.equal(decodeLzw(stream, 50).length, 50);
});

test('LZW: a damaged stream (a run of 0xFF, which hung geotiff.js) is an error, not a hang', () => {
  assert.throws(() => decodeLzw(new Uint8Array(64).fill(0xff), 10_000), /corrupt LZW data: code \d+ is/);
});
