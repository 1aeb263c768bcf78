// Grad-CAM: the replayed gradient equals tfjs's own, and the three sanity checks of issue 5 on a trained model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/compute/backends.ts';
import { CamGraph, camLayerCandidates, camStages, computeCam } from '../../../src/inference/cam.ts';
import { memorySource } from '../../../src/inference/tiler.ts';
import { architectureNames, getArchitecture, resolveConfig } from '../../../src/models/index.ts';

await initBackend('wasm');
const NORM = { mean: [0], std: [1] };

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

interface Blob { cx: number; cy: number; r: number }

/**
 * Noisy image, bright disks (class 1) on a dark background, crossed by a darker bar that is background too:
 * structure that a map merely following image contrast would show, and an explanation of class 1 should not.
 */
function blobImage(size: number, blobs: Blob[], rand: () => number, bar = Math.floor(rand() * (size - 4))): { img: Float32Array; mask: Uint8Array } {
  const img = new Float32Array(size * size);
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = blobs.some((b) => (x - b.cx) ** 2 + (y - b.cy) ** 2 < b.r * b.r);
      const onBar = x >= bar && x < bar + 3;
      img[y * size + x] = (inside ? 1 : onBar ? -2 : -1) + (rand() - 0.5);
      mask[y * size + x] = inside ? 1 : 0;
    }
  }
  return { img, mask };
}

function randomBlob(size: number, rand: () => number): Blob {
  const r = 5 + rand() * 3;
  return { r, cx: r + rand() * (size - 2 * r), cy: r + rand() * (size - 2 * r) };
}

const conv = (filters: number, name: string, seed: number, kernelSize = 3, activation: 'relu' | 'linear' | 'softmax' = 'relu') =>
  tf.layers.conv2d({ filters, kernelSize, padding: 'same', activation, name, kernelInitializer: tf.initializers.heNormal({ seed }) });
const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;

/**
 * Encoder-decoder whose only route from input to output runs through 'bottom' (as in SegNet or DeepLab without
 * a decoder skip), with a two-branch merge downstream of it so the replay has to join branches.
 */
function buildEncoderDecoder(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [null, null, 1], name: 'image' });
  let x = apply(conv(8, 'enc1', seed), input);
  x = apply(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }), x);
  x = apply(conv(16, 'enc2', seed + 1), x);
  x = apply(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }), x);
  x = apply(conv(16, 'bottom', seed + 2), x);
  x = apply(tf.layers.upSampling2d({ size: [2, 2], name: 'up2' }), x);
  x = apply(conv(8, 'dec2', seed + 3), x);
  x = apply(tf.layers.upSampling2d({ size: [2, 2], name: 'up1' }), x);
  const a = apply(conv(8, 'dec1a', seed + 4), x);
  const b = apply(conv(8, 'dec1b', seed + 5, 1, 'linear'), x);
  x = apply(tf.layers.add({ name: 'dec1' }), [a, b]);
  x = apply(conv(2, 'logits', seed + 6, 1, 'linear'), x);
  return tf.model({ inputs: input, outputs: apply(tf.layers.softmax({ axis: -1, name: 'probabilities' }), x) });
}

function spearman(a: Float32Array, b: Float32Array): number {
  const ranks = (v: Float32Array) => {
    const order = [...v.keys()].sort((i, j) => v[i]! - v[j]!);
    const r = new Float64Array(v.length);
    for (let k = 0; k < order.length; ) {
      let e = k;
      while (e + 1 < order.length && v[order[e + 1]!] === v[order[k]!]) e++;
      for (let q = k; q <= e; q++) r[order[q]!] = (k + e) / 2; // ties share their mean rank
      k = e + 1;
    }
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (a.length - 1) / 2;
  let s = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) {
    s += (ra[i]! - mean) * (rb[i]! - mean);
    sa += (ra[i]! - mean) ** 2;
    sb += (rb[i]! - mean) ** 2;
  }
  return sa === 0 || sb === 0 ? 0 : s / Math.sqrt(sa * sb);
}

function massInside(heatmap: Float32Array, mask: Uint8Array): number {
  let inside = 0, total = 0;
  for (let i = 0; i < heatmap.length; i++) {
    total += heatmap[i]!;
    if (mask[i]) inside += heatmap[i]!;
  }
  return total === 0 ? 0 : inside / total;
}

// ---- one small trained model shared by the sanity checks ----
const SIZE = 32;
const trained = buildEncoderDecoder(100);
{
  const rand = seeded(1);
  const n = 32;
  const xs = new Float32Array(n * SIZE * SIZE);
  const ys = new Float32Array(n * SIZE * SIZE * 2);
  for (let i = 0; i < n; i++) {
    const { img, mask } = blobImage(SIZE, [randomBlob(SIZE, rand)], rand);
    xs.set(img, i * SIZE * SIZE);
    for (let p = 0; p < SIZE * SIZE; p++) ys[(i * SIZE * SIZE + p) * 2 + mask[p]!] = 1;
  }
  trained.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
  const [x, y] = [tf.tensor4d(xs, [n, SIZE, SIZE, 1]), tf.tensor4d(ys, [n, SIZE, SIZE, 2])];
  await trained.fit(x, y, { epochs: 12, batchSize: 8, verbose: 0, shuffle: false });
  tf.dispose([x, y]);
}
const testRand = seeded(99);
const testImages = [0, 1, 2].map(() => blobImage(SIZE, [randomBlob(SIZE, testRand)], testRand));

test('precondition: the model learned the blobs (otherwise the checks below mean nothing)', () => {
  for (const { img, mask } of testImages) {
    const pred = tf.tidy(() => tf.argMax(trained.predict(tf.tensor4d(img, [1, SIZE, SIZE, 1])) as tf.Tensor, 3).dataSync());
    let inter = 0, union = 0;
    for (let i = 0; i < mask.length; i++) {
      inter += mask[i]! & pred[i]!;
      union += mask[i]! | pred[i]!;
    }
    assert.ok(inter / union > 0.8, `blob IoU ${(inter / union).toFixed(3)}`);
  }
});

test('sanity 1: most of the class-1 heatmap mass falls on the blob', async () => {
  for (const { img, mask } of testImages) {
    const cam = await computeCam(trained, memorySource(img, SIZE, SIZE, 1), NORM, 4, { classIndex: 1, layer: 'bottom' });
    const area = mask.reduce((a, b) => a + b, 0) / mask.length;
    const mass = massInside(cam.heatmap, mask);
    assert.ok(mass > 0.5, `only ${(mass * 100).toFixed(1)}% of the heatmap is on a blob covering ${(area * 100).toFixed(1)}% of the image`);
  }
});

test('sanity 2: with the weights randomised, the map changes substantially (rank correlation < 0.5)', async () => {
  // Cascading randomisation (Adebayo et al. 2018): the layers above the CAM layer are re-initialised, top down.
  // (Re-initialising every layer is not asserted: on these one-blob images a random ReLU net's map still follows
  // the bright blob, rank correlation 0.6-0.8, because contrast is all the image has.)
  const fresh = buildEncoderDecoder(500);
  const randomised = buildEncoderDecoder(500);
  randomised.setWeights(trained.getWeights());
  for (const name of ['logits', 'dec1b', 'dec1a', 'dec2']) randomised.getLayer(name).setWeights(fresh.getLayer(name).getWeights());
  for (const { img, mask } of testImages) {
    const src = memorySource(img, SIZE, SIZE, 1);
    const a = await computeCam(trained, src, NORM, 4, { classIndex: 1, layer: 'bottom', regionMask: mask });
    const b = await computeCam(randomised, src, NORM, 4, { classIndex: 1, layer: 'bottom', regionMask: mask });
    const rho = spearman(a.heatmap, b.heatmap);
    assert.ok(rho < 0.5, `trained and randomised maps have rank correlation ${rho.toFixed(3)}`);
  }
  fresh.dispose();
  randomised.dispose();
});

test('sanity 3: different target classes give different maps', async () => {
  for (const { img, mask } of testImages) {
    const src = memorySource(img, SIZE, SIZE, 1);
    const c1 = await computeCam(trained, src, NORM, 4, { classIndex: 1, layer: 'bottom' });
    const c0 = await computeCam(trained, src, NORM, 4, { classIndex: 0, layer: 'bottom' });
    const rho = spearman(c1.heatmap, c0.heatmap);
    assert.ok(rho < 0.5, `class 0 and class 1 maps have rank correlation ${rho.toFixed(3)}`);
    assert.ok(massInside(c0.heatmap, mask) < massInside(c1.heatmap, mask));
  }
});

test('a rectangle region and the same region as a mask give the same map', async () => {
  const { img } = blobImage(SIZE, [{ cx: 10, cy: 10, r: 6 }, { cx: 24, cy: 22, r: 5 }], seeded(7));
  const src = memorySource(img, SIZE, SIZE, 1);
  const region = { x: 16, y: 14, width: 14, height: 14 };
  const regionMask = new Uint8Array(SIZE * SIZE);
  for (let y = region.y; y < region.y + region.height; y++) regionMask.fill(1, y * SIZE + region.x, y * SIZE + region.x + region.width);
  const byRect = await computeCam(trained, src, NORM, 4, { classIndex: 1, layer: 'bottom', region });
  const byMask = await computeCam(trained, src, NORM, 4, { classIndex: 1, layer: 'bottom', regionMask });
  assert.deepEqual(byRect.heatmap, byMask.heatmap);
  assert.equal(byRect.regionPixels, 14 * 14);
  // Grad-CAM's channel weights are global: the region chooses the evidence, and both blobs carry the same kind.
  const { mask } = blobImage(SIZE, [{ cx: 10, cy: 10, r: 6 }, { cx: 24, cy: 22, r: 5 }], seeded(7));
  assert.ok(massInside(byRect.heatmap, mask) > 0.5);
});

test('tiled CAM (32 px tiles) agrees with one pass over the whole image', async () => {
  const rand = seeded(8);
  const { img, mask } = blobImage(64, [{ cx: 20, cy: 22, r: 7 }, { cx: 45, cy: 44, r: 6 }], rand);
  const src = memorySource(img, 64, 64, 1);
  const whole = await computeCam(trained, src, NORM, 4, { classIndex: 1, layer: 'bottom' });
  const tiled = await computeCam(trained, src, NORM, 4, { classIndex: 1, layer: 'bottom' }, { tile: 32, overlap: 0.5, batch: 1 });
  const rho = spearman(whole.heatmap, tiled.heatmap);
  assert.ok(rho > 0.9, `rank correlation ${rho.toFixed(3)}`);
  assert.ok(massInside(tiled.heatmap, mask) > 0.5);
});

// ---- the replay itself, on a U-Net with skips (untrained weights are enough) ----

test('the replayed gradient equals the gradient tfjs computes through its own graph, across skip connections', () => {
  // A small U-Net from layer instances, so the same layers can also be wired into a "tail" model whose inputs
  // are the tapped layer's output and the skip it bypasses: tfjs then runs the graph after the tap itself.
  const L = {
    enc1: conv(4, 'enc1', 1), pool1: tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
    enc2: conv(6, 'enc2', 2), pool2: tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
    bottom: conv(8, 'bottom', 3), up2: tf.layers.upSampling2d({ size: [2, 2], name: 'up2' }),
    cat2: tf.layers.concatenate({ name: 'cat2' }), dec2: conv(6, 'dec2', 4),
    up1: tf.layers.upSampling2d({ size: [2, 2], name: 'up1' }), cat1: tf.layers.concatenate({ name: 'cat1' }),
    dec1: conv(4, 'dec1', 5), logits: conv(3, 'logits', 6, 1, 'linear'),
  };
  const after = (e1: tf.SymbolicTensor, e2: tf.SymbolicTensor) => {
    const b = apply(L.bottom, apply(L.pool2, e2));
    const d2 = apply(L.dec2, apply(L.cat2, [e2, apply(L.up2, b)])); // enc2 reaches dec2 twice: directly and via bottom
    return apply(L.logits, apply(L.dec1, apply(L.cat1, [e1, apply(L.up1, d2)]))); // enc1 skips past enc2 entirely
  };
  const input = tf.input({ shape: [null, null, 1] });
  const e1 = apply(L.enc1, input);
  const e2 = apply(L.enc2, apply(L.pool1, e1));
  const unet = tf.model({ inputs: input, outputs: apply(tf.layers.softmax({ axis: -1, name: 'probabilities' }), after(e1, e2)) });
  const prefix = tf.model({ inputs: input, outputs: [e1, e2] });
  const tapIn = tf.input({ shape: [null, null, 6] });
  const skipIn = tf.input({ shape: [null, null, 4] });
  const tail = tf.model({ inputs: [tapIn, skipIn], outputs: after(skipIn, tapIn) });

  const x = tf.randomNormal([1, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  const weight = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 4), 0.5), 'float32')) as tf.Tensor4D;
  const ours = new CamGraph(unet, 'enc2').activationsAndGradient(x, 2, weight, false);
  const reference = tf.tidy(() => {
    const [skip, a] = prefix.predict(x) as tf.Tensor[];
    const f = (act: tf.Tensor) => {
      const logits = tail.apply([act, skip!]) as tf.Tensor;
      return tf.sum(tf.mul(tf.slice(logits, [0, 0, 0, 2], [-1, -1, -1, 1]), weight)) as tf.Scalar;
    };
    return tf.grad(f)(a!);
  });
  assert.deepEqual(ours.gradient.shape, [1, 8, 8, 6]);
  assert.deepEqual(reference.shape, [1, 8, 8, 6]);
  const scale = tf.max(tf.abs(reference)).dataSync()[0]!;
  const diff = tf.max(tf.abs(tf.sub(ours.gradient, reference))).dataSync()[0]!;
  assert.ok(scale > 0, 'the reference gradient is all zero');
  assert.ok(diff <= 1e-4 * scale, `max difference ${diff} against max ${scale}`);
  assert.equal(ours.regionPixels, tf.sum(weight).dataSync()[0]);
  tf.dispose([x, weight, ours.activations, ours.gradient, reference]);
});

test('a softmax fused into the last conv is skipped just like a separate softmax layer', async () => {
  const separate = buildEncoderDecoder(200);
  const fused = tf.model({
    inputs: separate.inputs,
    outputs: apply(conv(2, 'logits_softmax', 0, 1, 'softmax'), separate.getLayer('dec1').output as tf.SymbolicTensor),
  });
  fused.getLayer('logits_softmax').setWeights(separate.getLayer('logits').getWeights());
  const { img } = blobImage(SIZE, [{ cx: 12, cy: 12, r: 6 }], seeded(3));
  const src = memorySource(img, SIZE, SIZE, 1);
  const region = { x: 4, y: 4, width: 16, height: 16 };
  const a = await computeCam(separate, src, NORM, 4, { classIndex: 1, layer: 'enc2', region });
  const b = await computeCam(fused, src, NORM, 4, { classIndex: 1, layer: 'enc2', region });
  let worst = 0;
  for (let i = 0; i < a.heatmap.length; i++) worst = Math.max(worst, Math.abs(a.heatmap[i]! - b.heatmap[i]!));
  assert.ok(worst < 1e-5, `maps differ by ${worst}`);
  assert.ok(a.heatmap.some((v) => v > 0));
});

test('every registered architecture gives a map at its default CAM layer, without leaking tensors', async () => {
  for (const name of architectureNames()) {
    const arch = getArchitecture(name);
    const preset = Object.keys(arch.presets)[0];
    const config = resolveConfig(name, { inputChannels: 1, numClasses: 2 }, preset);
    const model = arch.build(config);
    const multiple = arch.sizeMultiple(config);
    const size = Math.max(32, multiple * 2);
    const { img } = blobImage(size, [{ cx: size / 2, cy: size / 2, r: size / 5 }], seeded(5));
    const before = tf.memory().numTensors;
    const cam = await computeCam(model, memorySource(img, size, size, 1), NORM, multiple, {
      classIndex: 1,
      layer: arch.defaultCamLayer(model, config),
      region: { x: 0, y: 0, width: size, height: size },
    });
    assert.equal(tf.memory().numTensors, before, name);
    assert.equal(cam.heatmap.length, size * size, name);
    assert.ok(cam.layerSize[0] < size && cam.layerSize[1] < size, `${name}: layer ${cam.layer} is not down-sampled`);
    assert.ok(cam.heatmap.every((v) => v >= 0 && v <= 1), name);
    model.dispose();
  }
});

test('bad requests fail with messages that say what to choose', async () => {
  const src = memorySource(new Float32Array(SIZE * SIZE), SIZE, SIZE, 1);
  await assert.rejects(computeCam(trained, src, NORM, 4, { classIndex: 1, layer: 'nope' }), /CAM layer "nope" is not in the model: choose one of .*enc1.*bottom/);
  await assert.rejects(computeCam(trained, src, NORM, 4, { classIndex: 5, layer: 'bottom' }), /class 5 is out of range.*0\.\.1/);
  await assert.rejects(
    computeCam(trained, src, NORM, 4, { classIndex: 1, layer: 'bottom', region: { x: 20, y: 0, width: 20, height: 5 } }),
    /region 20,0,20,5 must be whole pixels inside the 32×32 image/,
  );
  assert.ok(!camLayerCandidates(trained).includes('image'));
  assert.ok(camLayerCandidates(trained).includes('dec1'));
});

test('CAM offers each architecture\'s stages by name, in the order they run, the default among them', () => {
  const stageNames: Record<string, RegExp> = {
    unet: /^(encoder stage \d,)+bottleneck,(decoder stage \d,?)+$/,
    'segnet-basic': /^(encoder stage \d,)+(decoder stage \d,?)+$/,
    segnet: /^(encoder stage \d,)+(decoder stage \d,?)+$/,
    deeplab: /^stem,(backbone stage \d,)+ASPP,decoder$/,
    'fcn-32s': /^(encoder stage \d,){5}bottleneck$/,
    'fcn-16s': /^(encoder stage \d,){5}bottleneck$/,
    'fcn-8s': /^(encoder stage \d,){5}bottleneck$/,
  };
  for (const name of architectureNames()) {
    const arch = getArchitecture(name);
    for (const preset of Object.keys(arch.presets)) {
      const config = resolveConfig(name, { inputChannels: 1, numClasses: 2 }, preset);
      const model = arch.build(config);
      const stages = camStages(model);
      const what = `${name} ${preset}: ${JSON.stringify(stages)}`;
      assert.match(stages.map((s) => s.name).join(','), stageNames[name] ?? /^$/, what);
      assert.ok(stages.length < camLayerCandidates(model).length / 2, what);
      assert.ok(stages.some((s) => s.layer === arch.defaultCamLayer(model, config)), `${what}: the default layer is a stage`);
      const depth = stages.filter((s) => s.name.startsWith('encoder stage')).length;
      if (name === 'unet') assert.equal(depth, config.depth, what);
      model.dispose();
    }
  }
});
