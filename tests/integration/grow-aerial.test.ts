// Grow from seeds on real RGB aerial tiles (Dubai land cover): three short strokes per class, placed deep inside
// the reference's regions as a user would scribble, grow the whole tile; the mean IoU against the hand-made mask
// is the figure the README states, it beats giving each pixel its nearest stroke's class (intensity matters), and
// strokes are never changed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readImage, readMask } from '../../src/io/index.ts';
import { distanceToSet } from '../../src/labels/distance-transform.ts';
import { growFromSeeds } from '../../src/labels/grow-from-seeds.ts';
import { UNLABELED } from '../../src/labels/index.ts';
import { sharedData } from '../helpers/tmp.ts';

const DUBAI = path.join(sharedData, 'dubai-aerial-landcover');
// SOURCE.txt's table: Building, Land, Road, Vegetation, Water; #9B9B9B is unlabeled.
const COLORS = { labelColors: [0x3c1098, 0x8429f6, 0x6ec1e4, 0xfedd3a, 0xe2a929], ignoreColors: [0x9b9b9b] };
const TILES = ['Tile 1/images/image_part_001', 'Tile 2/images/image_part_002', 'Tile 3/images/image_part_003'];
const skip = existsSync(DUBAI) ? false : `shared data absent: ${DUBAI}`;
const STROKES_PER_CLASS = 3;
const STROKE_HALF_LENGTH = 4;
/** A stroke's centre lies this far inside its region, so the 9-pixel stroke stays inside it. */
const INSIDE = STROKE_HALF_LENGTH + 2;

/** Three horizontal 9-pixel strokes per class, at evenly spaced places deep inside the reference's regions. */
function scribbles(reference: Uint8Array, width: number, height: number, classes: number): Uint8Array {
  const seeds = new Uint8Array(reference.length).fill(UNLABELED);
  for (let k = 0; k < classes; k++) {
    const outside = reference.map((v) => (v === k ? 0 : 1));
    const depth = distanceToSet(outside, width, height);
    const inside: number[] = [];
    for (let i = 0; i < depth.length; i++) if (depth[i]! >= INSIDE) inside.push(i);
    if (inside.length === 0) continue;
    for (let s = 0; s < STROKES_PER_CLASS; s++) {
      const centre = inside[Math.floor(((2 * s + 1) / (2 * STROKES_PER_CLASS)) * inside.length)]!;
      for (let dx = -STROKE_HALF_LENGTH; dx <= STROKE_HALF_LENGTH; dx++) seeds[centre + dx] = k;
    }
  }
  return seeds;
}

/** The baseline that ignores the pixels: each pixel takes the class of its nearest stroke. */
function nearestStroke(seeds: Uint8Array, width: number, height: number, classes: number): Uint8Array {
  const out = new Uint8Array(seeds.length);
  const best = new Float32Array(seeds.length).fill(Infinity);
  for (let k = 0; k < classes; k++) {
    const distance = distanceToSet(seeds.map((v) => (v === k ? 1 : 0)), width, height);
    for (let i = 0; i < out.length; i++) {
      if (distance[i]! < best[i]!) {
        best[i] = distance[i]!;
        out[i] = k;
      }
    }
  }
  return out;
}

/** Mean IoU over the classes the reference has, on the reference's labeled pixels. */
function meanIoU(reference: Uint8Array, grown: Uint8Array, classes: number): number {
  const ious: number[] = [];
  for (let k = 0; k < classes; k++) {
    let both = 0;
    let either = 0;
    let present = false;
    for (let i = 0; i < reference.length; i++) {
      if (reference[i] === UNLABELED) continue;
      const r = reference[i] === k;
      const g = grown[i] === k;
      present ||= r;
      if (r && g) both++;
      if (r || g) either++;
    }
    if (present) ious.push(both / either);
  }
  return ious.reduce((a, b) => a + b, 0) / ious.length;
}

test('grow from seeds on RGB aerial tiles: three strokes per class reach the stated mean IoU; strokes unchanged', { skip }, async () => {
  const scores: number[] = [];
  const baseline: number[] = [];
  for (const tile of TILES) {
    const image = await readImage(path.join(DUBAI, `${tile}.jpg`));
    const mask = await readMask(path.join(DUBAI, `${tile.replace('/images/', '/masks/')}.png`), { colors: COLORS });
    const seeds = scribbles(mask.data, image.width, image.height, COLORS.labelColors.length);
    const grown = growFromSeeds({ values: image.data, width: image.width, height: image.height, bands: image.bands }, seeds);
    for (let i = 0; i < seeds.length; i++) if (seeds[i] !== UNLABELED) assert.equal(grown[i], seeds[i], `${tile}: stroke pixel ${i} kept its class`);
    assert.equal(grown.indexOf(UNLABELED), -1, `${tile}: every pixel took a class`);
    scores.push(meanIoU(mask.data, grown, COLORS.labelColors.length));
    baseline.push(meanIoU(mask.data, nearestStroke(seeds, image.width, image.height, COLORS.labelColors.length), COLORS.labelColors.length));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const nearest = baseline.reduce((a, b) => a + b, 0) / baseline.length;
  console.log(`grow from seeds, Dubai RGB tiles, ${STROKES_PER_CLASS} strokes per class: mean IoU ${scores.map((s) => s.toFixed(3)).join(' / ')} (mean ${mean.toFixed(3)}); nearest stroke ${baseline.map((s) => s.toFixed(3)).join(' / ')} (mean ${nearest.toFixed(3)})`);
  // Measured 0.367 (nearest stroke 0.254); the README states it. Deterministic: no randomness anywhere above.
  assert.ok(mean >= 0.33, `mean IoU ${mean.toFixed(3)} fell below the stated 0.367`);
  scores.forEach((score, i) => assert.ok(score > baseline[i]!, `${TILES[i]}: grow ${score.toFixed(3)} does not beat the nearest stroke ${baseline[i]!.toFixed(3)}`));
});
