// Base64 and MaskPatch round trips, as masks travel through the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { LabelMap, applyPatch, base64ToBytes, bytesToBase64, patchFromMap } from '../../../src/labels/index.ts';

test('base64 matches Node for every remainder length', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 100, 49153]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
    const text = bytesToBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'), `length ${n}`);
    assert.deepEqual(base64ToBytes(text), bytes);
  }
});

test('a patch read from one map and applied to another copies exactly that rectangle', () => {
  const a = new LabelMap(16, 16);
  for (let i = 0; i < 256; i++) a.data[i] = i % 5;
  const patch = patchFromMap(a, { x: 3, y: 4, width: 5, height: 6 });
  const b = new LabelMap(16, 16);
  applyPatch(b, patch);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const inside = x >= 3 && x < 8 && y >= 4 && y < 10;
      assert.equal(b.get(x, y), inside ? a.get(x, y) : 255);
    }
  }
  assert.throws(() => applyPatch(b, { ...patch, x: 14 }), /does not fit a 16x16 mask/);
});
