import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyWindow, WINDOW_PRESETS, windowForRange } from '../../../src/io/index.ts';

test('linear VOI: below the window is 0, above is 255, the centre is mid-grey', () => {
  const out = applyWindow([-2000, -160.5, 39.5, 40, 239.5, 5000], { center: 40, width: 400 });
  // low = 40 - 0.5 - 199.5 = -160 (x <= low → 0); high = 239 (x > high → 255).
  assert.deepEqual(Array.from(out), [0, 0, 128, 128, 255, 255]);
});

test('MONOCHROME1 inverts', () => {
  const plain = applyWindow([-1000, 0, 1000], WINDOW_PRESETS.abdomen);
  const inverted = applyWindow([-1000, 0, 1000], WINDOW_PRESETS.abdomen, { invert: true });
  assert.deepEqual(Array.from(inverted), Array.from(plain, (v) => 255 - v));
});

test('presets order soft tissue and bone as a radiologist expects', () => {
  const hu = [-1000, -500, 0, 80, 700];
  const brain = Array.from(applyWindow(hu, WINDOW_PRESETS.brain));
  assert.deepEqual(brain, [0, 0, 0, 255, 255]);
  const lung = Array.from(applyWindow(hu, WINDOW_PRESETS.lung));
  assert.ok(lung[0] < lung[1] && lung[1] < lung[2], `lung window ramps through air and lung: ${lung}`);
});

test('windowForRange maps min to 0 and max to 255', () => {
  const out = applyWindow([100, 150, 200], windowForRange(100, 200));
  assert.deepEqual([out[0], out[2]], [0, 255]);
  assert.ok(out[1] > 100 && out[1] < 155);
});

test('a window narrower than 1 is refused', () => {
  assert.throws(() => applyWindow([0], { center: 0, width: 0 }), RangeError);
});
