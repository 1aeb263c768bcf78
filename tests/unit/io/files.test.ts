import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listImageFiles, stemOf, writeAtomic } from '../../../src/io/index.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'segwork-io-files-'));
test.after(() => rm(dir, { recursive: true, force: true }));

test('listImageFiles: image extensions, sorted, hidden skipped, extension-less only when DICOM', async () => {
  const dicom = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(16)]);
  await mkdir(path.join(dir, 'sub'));
  await mkdir(path.join(dir, '.hidden-dir'));
  const files: Record<string, Buffer> = {
    'b.PNG': Buffer.alloc(1), 'a.jpg': Buffer.alloc(1), 'c.tiff': Buffer.alloc(1), 'vol.nii.gz': Buffer.alloc(1),
    'IM0001': dicom, 'CT.1.2.840.5': dicom, 'README': Buffer.from('text'), 'notes.txt': Buffer.alloc(1), '.secret.png': Buffer.alloc(1),
    'sub/d.dcm': Buffer.alloc(1), '.hidden-dir/e.png': Buffer.alloc(1),
  };
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
  const flat = (await listImageFiles(dir)).map((f) => path.relative(dir, f));
  assert.deepEqual(flat, ['CT.1.2.840.5', 'IM0001', 'a.jpg', 'b.PNG', 'c.tiff', 'vol.nii.gz']);
  const deep = (await listImageFiles(dir, { recursive: true })).map((f) => path.relative(dir, f));
  assert.deepEqual(deep, ['CT.1.2.840.5', 'IM0001', 'a.jpg', 'b.PNG', 'c.tiff', path.join('sub', 'd.dcm'), 'vol.nii.gz']);
});

test('stemOf treats .nii.gz as one extension', () => {
  assert.equal(stemOf('/x/case_01.nii.gz'), 'case_01');
  assert.equal(stemOf('/x/img.001.png'), 'img.001');
  assert.equal(stemOf('IM0001'), 'IM0001');
});

test('writeAtomic replaces the file whole and leaves no temp file', async () => {
  const target = path.join(dir, 'out', 'data.bin');
  await writeAtomic(target, new Uint8Array([1, 2, 3]));
  await writeAtomic(target, new Uint8Array([4, 5]));
  assert.deepEqual([...(await readFile(target))], [4, 5]);
  assert.deepEqual(await readdir(path.dirname(target)), ['data.bin']);
});
