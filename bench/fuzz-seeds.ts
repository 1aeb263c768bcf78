// Seed files of every reader for the fuzz campaign: real files from ../shared/data and tests/fixtures, and small
// files made at run time with Segwork's own writers, gdal_translate and nibabel (each only where it is installed),
// covering the layouts each reader must handle (TIFF: striped, tiled, overviews, deflate, LZW, JPEG, PackBits…).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { writeTiff } from '../src/io/tiff-writer.ts';
import { writeMaskPng } from '../src/io/mask.ts';
import { writeNiftiLabels } from '../src/io/nifti.ts';
import { saveModelDir } from '../src/models/model-dir.ts';
import { buildUNet } from '../src/models/unet.ts';
import { defaultClasses } from '../src/labels/palette.ts';
import { openWorkspace } from '../src/store/workspace.ts';
import { buildPng } from '../tests/unit/io/png-builder.ts';

export const FORMATS = ['png', 'jpeg', 'tiff', 'dicom', 'dicom-series', 'nifti', 'nifti-gz', 'mask', 'classes', 'model', 'workspace'] as const;
export type FormatName = (typeof FORMATS)[number];

export interface Seed {
  format: FormatName;
  /** A file, or for dicom-series, model and workspace a folder whose files are mutated one at a time. */
  path: string;
  /** Where it came from, for the report. */
  origin: string;
}

const repo = path.resolve(import.meta.dirname, '..');
export const SHARED_DATA = path.resolve(repo, '../shared/data');
const PYTHON = '/usr/bin/python3';

function has(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function shared(relative: string): string | null {
  const file = path.join(SHARED_DATA, relative);
  return existsSync(file) ? file : null;
}

function ramp(n: number, modulo: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 7 + (i >> 5) * 3) % modulo);
}

/** Builds every seed under `dir` and returns them all (each names its format). */
export async function buildSeeds(dir: string): Promise<Seed[]> {
  mkdirSync(dir, { recursive: true });
  const seeds: Seed[] = [];
  const add = (format: FormatName, file: string | null, origin: string) => {
    if (file) seeds.push({ format, path: file, origin });
  };
  const out = (name: string) => path.join(dir, name);

  // PNG: every colour type and bit depth the reader handles, and real masks.
  const pngs: [string, Parameters<typeof buildPng>[0]][] = [
    ['gray8.png', { width: 24, height: 20, bitDepth: 8, colorType: 0, samples: ramp(480, 256) }],
    ['gray16.png', { width: 24, height: 20, bitDepth: 16, colorType: 0, samples: ramp(480, 65536) }],
    ['gray1.png', { width: 24, height: 20, bitDepth: 1, colorType: 0, samples: ramp(480, 2) }],
    ['palette.png', { width: 24, height: 20, bitDepth: 4, colorType: 3, samples: ramp(480, 4), palette: [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]], transparency: [255, 128] }],
    ['rgba.png', { width: 24, height: 20, bitDepth: 8, colorType: 6, samples: ramp(1920, 256) }],
    ['grayalpha.png', { width: 24, height: 20, bitDepth: 8, colorType: 4, samples: ramp(960, 256) }],
  ];
  for (const [name, spec] of pngs) {
    writeFileSync(out(name), buildPng(spec));
    add('png', out(name), 'generated (tests/unit/io/png-builder.ts)');
  }
  add('png', shared('isbi2012-membrane/train/label/0.png'), 'shared isbi2012-membrane');

  // JPEG: jpeg-js's encoder, and GDAL's (grey, progressive) when installed; a real aerial photo.
  const rgb = new Uint8Array(48 * 40 * 4).map((_, i) => (i * 13) % 256);
  writeFileSync(out('small.jpg'), jpeg.encode({ data: rgb, width: 48, height: 40 }, 85).data);
  add('jpeg', out('small.jpg'), 'generated (jpeg-js)');
  add('jpeg', shared('dubai-aerial-landcover/Tile 1/images/image_part_001.jpg'), 'shared dubai-aerial-landcover');

  // TIFF: Segwork's writer always; GDAL's layouts from a real Landsat crop when both are here.
  await writeTiff(out('segwork.tif'), { width: 40, height: 30, bands: 2, data: new Uint16Array(ramp(2400, 65536)), layout: 'pixel', compression: 'deflate' });
  add('tiff', out('segwork.tif'), 'generated (src/io/tiff-writer.ts)');
  const landsat = shared('geotiff-reader-samples/rasterio/RGB.byte.tif');
  const dsm = shared('geotiff-reader-samples/opengeos/elevation_dsm.tif');
  if (has('gdal_translate') && landsat) {
    const variants: [string, string[]][] = [
      ['striped-none.tif', ['-co', 'COMPRESS=NONE']],
      ['tiled-deflate.tif', ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=32', '-co', 'BLOCKYSIZE=32', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2']],
      ['striped-lzw-band.tif', ['-co', 'COMPRESS=LZW', '-co', 'INTERLEAVE=BAND', '-co', 'ROWSPERSTRIP=7']],
      ['tiled-jpeg-ycbcr.tif', ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=32', '-co', 'BLOCKYSIZE=32', '-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR']],
      ['striped-packbits.tif', ['-co', 'COMPRESS=PACKBITS']],
      ['bigtiff.tif', ['-co', 'BIGTIFF=YES', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=32', '-co', 'BLOCKYSIZE=32']],
      ['cog.tif', ['-of', 'COG', '-co', 'BLOCKSIZE=32', '-co', 'COMPRESS=DEFLATE', '-co', 'OVERVIEW_RESAMPLING=NEAREST']],
    ];
    for (const [name, options] of variants) {
      execFileSync('gdal_translate', ['-q', '-outsize', '96', '80', ...options, landsat, out(name)], { stdio: 'ignore' });
      add('tiff', out(name), `gdal_translate of shared RGB.byte.tif (${options.filter((o) => o !== '-co').join(' ')})`);
    }
    if (dsm) {
      execFileSync('gdal_translate', ['-q', '-outsize', '64', '48', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=16', '-co', 'BLOCKYSIZE=16', '-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=3', dsm, out('float32-nodata.tif')], { stdio: 'ignore' });
      add('tiff', out('float32-nodata.tif'), 'gdal_translate of shared elevation_dsm.tif (float32, nodata, predictor 3)');
    }
  }

  // DICOM: every transfer syntax in the shared samples, and the repository's 12-bit JPEG Extended fixture.
  const dicomDir = path.join(SHARED_DATA, 'dicom-parser-samples');
  if (existsSync(dicomDir)) {
    for (const name of readdirSync(dicomDir).filter((n) => n.endsWith('.dcm'))) add('dicom', path.join(dicomDir, name), 'shared dicom-parser-samples');
  }
  add('dicom', path.join(repo, 'tests/fixtures/dicom/mr12-jpeg-extended.dcm'), 'tests/fixtures');

  // A DICOM series: three slices of the shared CT series in a folder of their own.
  const ctDir = path.join(SHARED_DATA, 'totalsegmentator-ct-mr/example_ct_dicom');
  if (existsSync(ctDir)) {
    const series = out('ct-series');
    mkdirSync(series, { recursive: true });
    for (const name of readdirSync(ctDir).sort().slice(0, 3)) copyFileSync(path.join(ctDir, name), path.join(series, name));
    add('dicom-series', series, 'three slices of shared totalsegmentator example_ct_dicom');
  }

  // NIfTI: Segwork's label writer (v1), nibabel's v1 and v2 with scaling, and the shared label volume.
  const geometry = { dims: [12, 10, 6] as [number, number, number], pixdim: [1, 0.8, 0.8, 2, 0, 0, 0, 0], qformCode: 1, sformCode: 1, quatern: [0, 0, 0, -5, 4, 3], srow: [0.8, 0, 0, -5, 0, 0.8, 0, 4, 0, 0, 2, 3], xyztUnits: 2 };
  await writeNiftiLabels(out('labels.nii'), geometry, new Uint8Array(720).map((_, i) => i % 5));
  add('nifti', out('labels.nii'), 'generated (src/io/nifti.ts writer)');
  if (has(PYTHON)) {
    try {
      execFileSync(PYTHON, ['-c', `
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
a = (np.arange(14*11*5).reshape(14,11,5) % 300 - 100).astype(np.int16)
img1 = nib.Nifti1Image(a, np.diag([0.7, 0.7, 2.5, 1])); img1.header.set_slope_inter(0.5, -3); nib.save(img1, d + '/nibabel-v1.nii')
img2 = nib.Nifti2Image(a.astype(np.float32) / 7, np.diag([1.0, 1.2, 3.0, 1])); nib.save(img2, d + '/nibabel-v2.nii')
img4 = nib.Nifti2Image(np.arange(6*5*3*2, dtype=np.uint16).reshape(6,5,3,2), np.eye(4)); nib.save(img4, d + '/nibabel-v2-4d.nii')
`, dir], { stdio: 'ignore' });
      for (const name of ['nibabel-v1.nii', 'nibabel-v2.nii', 'nibabel-v2-4d.nii']) add('nifti', out(name), 'generated (nibabel)');
    } catch { /* nibabel absent: Segwork's own writer and the shared volume remain */ }
  }
  const sharedSeg = shared('totalsegmentator-ct-mr/example_seg.nii.gz');
  if (sharedSeg) {
    writeFileSync(out('example_seg.nii'), gunzipSync(readFileSync(sharedSeg)));
    add('nifti', out('example_seg.nii'), 'shared totalsegmentator example_seg.nii.gz, unpacked');
  }
  // The same volumes gzipped: the campaign mutates inside the gzip (and sometimes the gzip itself).
  for (const seed of seeds.filter((s) => s.format === 'nifti')) add('nifti-gz', seed.path, `${seed.origin}, gzipped per mutant`);

  // Label masks: PNG (gray and palette), TIFF and NIfTI label volumes.
  await writeMaskPng(out('mask.png'), 20, 16, new Uint8Array(320).map((_, i) => (i % 7 === 0 ? 255 : i % 3)));
  add('mask', out('mask.png'), 'generated (writeMaskPng)');
  add('mask', path.join(dir, 'palette.png'), 'generated palette PNG');
  await writeTiff(out('mask.tif'), { width: 20, height: 16, bands: 1, data: new Uint8Array(320).map((_, i) => i % 3), layout: 'pixel', compression: 'deflate' });
  add('mask', out('mask.tif'), 'generated (writeTiff)');
  add('mask', out('labels.nii'), 'generated NIfTI label volume');

  // Classes files: the three forms the reader accepts.
  writeFileSync(out('classes.json'), JSON.stringify([{ name: 'background', color: '#000000' }, { name: 'road', color: '#808080' }, { name: 'tree', color: '#00aa00' }]));
  writeFileSync(out('classes-object.json'), JSON.stringify({ classes: [{ name: 'a' }, { name: 'b', color: '#ABCDEF' }] }));
  writeFileSync(out('classes-names.json'), JSON.stringify(['sky', 'ground', 'water']));
  for (const name of ['classes.json', 'classes-object.json', 'classes-names.json']) add('classes', out(name), 'generated');

  // A model directory: a tiny U-Net saved by Segwork (model.json, weights.bin, segwork.json, model.onnx).
  await tf.setBackend('cpu');
  const config = { inputChannels: 1, numClasses: 2, depth: 1, baseFilters: 2, dropout: 0, batchNorm: false, upsampling: 'nearest' as const };
  const model = buildUNet(config);
  await saveModelDir(out('model'), model, { format: 'segwork-model', formatVersion: 1, architecture: 'unet', config: { ...config }, classes: defaultClasses(2), inputChannels: 1, normalisation: { mean: [3], std: [2] } });
  model.dispose();
  add('model', out('model'), 'generated (saveModelDir, tiny U-Net)');

  // A workspace with a project, two images and masks.
  const workspace = openWorkspace(out('workspace'));
  try {
    const project = workspace.projects.create('fuzz', defaultClasses(3));
    const images = workspace.images.addMany([1, 2].map((n) => ({ projectId: project.id, path: `${out('gray8.png')}#${n}`, name: `image ${n}`, contentHash: `hash${n}`, width: 24, height: 20, channels: 1, modality: 'photo' })));
    for (const image of images) workspace.masks.save(image.id, new Uint8Array(480).map((_, i) => i % 3), 24, 20);
  } finally {
    workspace.close();
  }
  add('workspace', out('workspace'), 'generated (openWorkspace, one project, two masks)');
  return seeds;
}
