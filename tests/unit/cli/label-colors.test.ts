// Colour-coded masks through the CLI as a user runs it: import with --label-colors (generated masks and the Dubai
// land-cover masks), export --format color-png and back, score and train/eval on colour masks, and the usage errors.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { readMask } from '../../../src/io/index.ts';
import { openWorkspace } from '../../../src/store/workspace.ts';
import { segwork } from '../../helpers/cli.ts';
import { writeSquaresDataset } from '../../helpers/images.ts';
import { sharedData, tempDir } from '../../helpers/tmp.ts';

const DUBAI = path.join(sharedData, 'dubai-aerial-landcover');
const DUBAI_COLORS = '#3C1098,#8429F6,#6EC1E4,#FEDD3A,#E2A929';
const skipDubai = existsSync(DUBAI) ? false : `shared data absent: ${DUBAI}`;

/** Rewrites a folder of gray class-index masks as RGB masks: class k in colours[k], 255 in `unlabeled`. */
function recolor(grayDir: string, outDir: string, colors: number[][], unlabeled = [155, 155, 155]): string {
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(grayDir)) {
    const gray = PNG.sync.read(readFileSync(path.join(grayDir, name)));
    const png = new PNG({ width: gray.width, height: gray.height });
    for (let p = 0; p < gray.width * gray.height; p++) {
      const v = gray.data[p * 4]!;
      png.data.set([...(v === 255 ? unlabeled : colors[v]!), 255], p * 4);
    }
    writeFileSync(path.join(outDir, name), PNG.sync.write(png, { colorType: 2 }));
  }
  return outDir;
}

/** Every image's current labels in a workspace project, by image name. */
function projectLabels(workspace: string, project: string): Map<string, Uint8Array> {
  const ws = openWorkspace(workspace);
  try {
    const { id } = ws.projects.byName(project)!;
    return new Map(ws.images.query({ projectId: id }).images.map((i) => [i.name, ws.masks.current(i.id)?.data ?? new Uint8Array()]));
  } finally {
    ws.close();
  }
}

test('import --label-colors, export --format color-png, import again: the same labels', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 3, 24, [0, 1]);
  // Scribbles: a band of each mask unlabeled, in a colour listed with --ignore-colors.
  for (const name of readdirSync(data.labels)) {
    const file = path.join(data.labels, name);
    const png = PNG.sync.read(readFileSync(file));
    for (let p = 0; p < 24 * 4; p++) png.data.set([255, 255, 255, 255], p * 4);
    writeFileSync(file, PNG.sync.write(png, { colorType: 0 }));
  }
  const colorMasks = recolor(data.labels, path.join(dir, 'color'), [[0, 0, 0], [226, 169, 41]]);
  const ws = path.join(dir, 'ws');
  const first = await segwork(['import', data.images, '--labels', colorMasks, '--project', 'a', '--label-colors', '#000000,#E2A929', '--ignore-colors', '#9b9b9b', '--json', '--workspace', ws]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.equal(JSON.parse(first.stdout).labeled, 3);
  const imported = projectLabels(ws, 'a');
  for (const name of readdirSync(data.labels)) {
    const expected = (await readMask(path.join(data.labels, name), { numClasses: 2 })).data;
    assert.deepEqual(imported.get(name), expected, name);
  }

  const out = path.join(dir, 'exported');
  const exported = await segwork(['export', '--project', 'a', '--out', out, '--format', 'color-png', '--workspace', ws]);
  assert.equal(exported.code, 0, exported.stderr);
  // The new project took the listed colours as its class colours, so the export looks like the source masks.
  const png = PNG.sync.read(readFileSync(path.join(out, 'img0.labels.png')));
  const colours = new Set<string>();
  for (let p = 0; p < png.width * png.height; p++) colours.add(Array.from(png.data.subarray(p * 4, p * 4 + 4)).join(','));
  assert.deepEqual([...colours].sort(), ['0,0,0,0', '0,0,0,255', '226,169,41,255']);

  // Back in through the class colours of a classes file.
  const classes = path.join(dir, 'classes.json');
  writeFileSync(classes, JSON.stringify([{ name: 'ground', color: '#000000' }, { name: 'water', color: '#e2a929' }]));
  const again = await segwork(['import', data.images, '--labels', out, '--project', 'b', '--classes', classes, '--label-colors', 'classes', '--workspace', ws]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.deepEqual(projectLabels(ws, 'b'), imported);

  // score reads colour masks on both sides: the export against its source is a perfect score.
  const score = await segwork(['score', '--pred', out, '--truth', colorMasks, '--classes', '2', '--label-colors', '#000000,#e2a929', '--ignore-colors', '#9b9b9b', '--json']);
  assert.equal(score.code, 0, score.stderr);
  assert.equal(JSON.parse(score.stdout).meanIoU, 1);
});

test('an unknown colour fails that file with its count and position; --unknown-colors unlabeled takes it', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 1, 16, [0, 1]);
  const colorMasks = recolor(data.labels, path.join(dir, 'color'), [[0, 0, 0], [255, 0, 0]]);
  const ws = path.join(dir, 'ws');
  const strict = await segwork(['import', data.images, '--labels', colorMasks, '--project', 'p', '--label-colors', '#000000', '--workspace', ws]);
  assert.equal(strict.code, 2, strict.stdout);
  const squarePixels = Math.floor(16 * 0.4) ** 2;
  assert.match(strict.stdout, new RegExp(`failed: .*img0\\.png: ${squarePixels} pixel\\(s\\) have a colour no class has: #ff0000 \\(${squarePixels} px, first at x=\\d+ y=\\d+\\)`));
  const lenient = await segwork(['import', data.images, '--labels', colorMasks, '--project', 'q', '--label-colors', '#000000', '--unknown-colors', 'unlabeled', '--workspace', ws]);
  assert.equal(lenient.code, 0, lenient.stdout);
  assert.equal(projectLabels(ws, 'q').get('img0.png')!.filter((v) => v === 255).length, squarePixels);
});

test('colour options: one clear usage error for each mistake, and the wrong kind of mask names the option to use', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 1, 16, [0, 1]);
  const colorMasks = recolor(data.labels, path.join(dir, 'color'), [[0, 0, 0], [255, 0, 0]]);
  const ws = ['--workspace', path.join(dir, 'ws')];
  const threeClasses = path.join(dir, 'three.json');
  writeFileSync(threeClasses, JSON.stringify(['a', 'b', 'c']));
  const cases: [string[], RegExp][] = [
    [['import', data.images, '--labels', colorMasks, '--label-colors', '#000000', '--label-values', '0,1'], /give one kind/],
    [['import', data.images, '--labels', colorMasks, '--label-colors', '#000000,red'], /"red" is not a colour like #3c1098/],
    [['import', data.images, '--labels', colorMasks, '--label-colors', '#000000,#000000'], /#000000 is listed twice/],
    [['import', data.images, '--labels', colorMasks, '--ignore-colors', '#000000'], /--ignore-colors needs --label-colors/],
    [['import', data.images, '--labels', colorMasks, '--label-colors', '#000000', '--unknown-colors', 'ignore'], /--unknown-colors must be error or unlabeled/],
    [['score', '--pred', colorMasks, '--truth', colorMasks, '--classes', '2', '--label-colors', 'classes'], /score has no class colours/],
    [['score', '--pred', colorMasks, '--truth', colorMasks, '--classes', '3', '--label-colors', '#000000,#ff0000'], /lists 2 colours but --classes is 3/],
    [['train', '--images', data.images, '--labels', colorMasks, '--out', path.join(dir, 'm'), '--label-colors', 'classes'], /--classes FILE\.json/],
    [['import', data.images, '--labels', colorMasks, '--project', 'three', '--classes', threeClasses, '--label-colors', '#000000,#ff0000'], /lists 2 colours but .*three\.json has 3 classes/],
  ];
  for (const [args, message] of cases) {
    const r = await segwork([...args, ...ws]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  const workspace = openWorkspace(path.join(dir, 'ws'));
  assert.deepEqual(workspace.projects.list(), [], 'a refused import creates no project');
  workspace.close();
  const valuesGiven = await segwork(['import', data.images, '--labels', colorMasks, '--project', 'v', ...ws]);
  assert.match(valuesGiven.stdout, /colour mask: .*--label-colors/);
  const colorsGiven = await segwork(['import', data.images, '--labels', data.labels, '--project', 'c', '--label-colors', '#000000,#ff0000', ...ws]);
  assert.match(colorsGiven.stdout, /gray mask of values.*--label-values/);
});

test('train on colour masks records the colours; eval reads the same masks without flags', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 4, 32, [0, 1]);
  const colorMasks = recolor(data.labels, path.join(dir, 'color'), [[60, 16, 152], [254, 221, 58]]);
  const model = path.join(dir, 'model');
  const ws = ['--workspace', path.join(dir, 'ws')];
  const train = await segwork(['train', '--images', data.images, '--labels', colorMasks, '--label-colors', '#3c1098,#fedd3a', '--preset', 'tiny', '--size', '32', '--epochs', '1', '--steps', '2', '--batch', '2', '--out', model, ...ws]);
  assert.equal(train.code, 0, train.stderr);
  const meta = JSON.parse(readFileSync(path.join(model, 'segwork.json'), 'utf8'));
  assert.deepEqual(meta.labelColors, ['#3c1098', '#fedd3a']);
  assert.deepEqual(meta.classes.map((c: { color: string }) => c.color), ['#3c1098', '#fedd3a']);
  const evaluation = await segwork(['eval', '--model', model, '--images', data.images, '--labels', colorMasks, '--json', ...ws]);
  assert.equal(evaluation.code, 0, evaluation.stderr);
  assert.equal(JSON.parse(evaluation.stdout).confusion.flat().reduce((a: number, b: number) => a + b, 0), 4 * 32 * 32);
  const byClasses = await segwork(['eval', '--model', model, '--images', data.images, '--labels', colorMasks, '--label-colors', 'classes', '--json', ...ws]);
  assert.equal(byClasses.code, 0, byClasses.stderr);
  assert.deepEqual(JSON.parse(byClasses.stdout).confusion, JSON.parse(evaluation.stdout).confusion);
});

test('Dubai land-cover tiles import with --label-colors: class counts match a direct count of the colours', { skip: skipDubai }, async (t) => {
  const dir = tempDir(t);
  const images = path.join(dir, 'images');
  const masks = path.join(dir, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  // Tile 1 has RGB masks, Tile 2 palette masks.
  for (const tile of ['Tile 1', 'Tile 2']) {
    for (const part of ['image_part_001', 'image_part_002']) {
      const name = `${tile.replace(' ', '')}-${part}`;
      copyFileSync(path.join(DUBAI, tile, 'images', `${part}.jpg`), path.join(images, `${name}.jpg`));
      copyFileSync(path.join(DUBAI, tile, 'masks', `${part}.png`), path.join(masks, `${name}.png`));
    }
  }
  const ws = path.join(dir, 'ws');
  const r = await segwork(['import', images, '--labels', masks, '--project', 'dubai', '--label-colors', DUBAI_COLORS, '--ignore-colors', '#9B9B9B', '--json', '--workspace', ws]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).labeled, 4);
  const colors = [...DUBAI_COLORS.split(','), '#9B9B9B'].map((c) => parseInt(c.slice(1), 16));
  for (const [name, labels] of projectLabels(ws, 'dubai')) {
    const png = PNG.sync.read(readFileSync(path.join(masks, name.replace(/\.jpg$/, '.png'))));
    const direct = colors.map(() => 0);
    for (let p = 0; p < png.width * png.height; p++) direct[colors.indexOf((png.data[p * 4]! << 16) | (png.data[p * 4 + 1]! << 8) | png.data[p * 4 + 2]!)]!++;
    const counted = [0, 1, 2, 3, 4, 255].map((k) => labels.filter((v) => v === k).length);
    assert.deepEqual(counted, direct, name);
  }
  // And out as colour PNGs and back: identical labels.
  const out = path.join(dir, 'out');
  assert.equal((await segwork(['export', '--project', 'dubai', '--out', out, '--format', 'color-png', '--workspace', ws])).code, 0);
  const back = await segwork(['import', images, '--labels', out, '--project', 'again', '--label-colors', DUBAI_COLORS, '--workspace', ws]);
  assert.equal(back.code, 0, back.stdout);
  assert.deepEqual(projectLabels(ws, 'again'), projectLabels(ws, 'dubai'));
});
