// Finding images in folders and pairing images with labels by file stem.
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './raster.ts';

/** File name endings read as images (besides extension-less DICOM files); also what a front end accepts. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.dcm', '.nii', '.nii.gz'];
const DICOM_MARKER_OFFSET = 128;

/** Sorted image paths under `dir`; hidden files and folders are skipped, extension-less (or UID-named) files kept only when DICOM. */
export async function listImageFiles(dir: string, { recursive = false }: { recursive?: boolean } = {}): Promise<string[]> {
  const found: string[] = [];
  await collect(dir, recursive, found);
  return found.sort();
}

async function collect(dir: string, recursive: boolean, found: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(dir, 'no such folder');
    if (code === 'ENOTDIR') throw new InputError(dir, 'is a file, not a folder');
    throw error;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    // Datasets are often folders of symbolic links: follow them (a dangling link is skipped).
    const kind = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
    if (!kind) continue;
    if (kind.isDirectory()) {
      if (recursive) await collect(full, recursive, found);
    } else if (kind.isFile()) {
      const lower = entry.name.toLowerCase();
      if (IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext))) found.push(full);
      else if (mayBeDicomName(entry.name) && (await hasDicomMarker(full))) found.push(full);
    }
  }
}

/** DICOM files often have no extension, or a UID as name ("CT.1.3.12.2.1107...573"), whose "extension" is digits. */
function mayBeDicomName(name: string): boolean {
  const ext = path.extname(name);
  return ext === '' || /^\.\d+$/.test(ext);
}

async function hasDicomMarker(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const marker = Buffer.alloc(4);
    const { bytesRead } = await handle.read(marker, 0, 4, DICOM_MARKER_OFFSET);
    return bytesRead === 4 && marker.toString('latin1') === 'DICM';
  } finally {
    await handle.close();
  }
}

/**
 * Exported labels are named `<image stem>.labels<ext>` (em-0.labels.png, ct.labels.nii.gz), so they can never be
 * taken for, or overwrite, the image they label.
 */
export const LABELS_INFIX = '.labels';

/** The stem of a label file, as it pairs with its image's stem: `em-0.labels.png` and `em-0.png` both give `em-0`. */
export function labelStemOf(file: string): string {
  const stem = stemOf(file);
  return stem.toLowerCase().endsWith(LABELS_INFIX) ? stem.slice(0, -LABELS_INFIX.length) : stem;
}

/** File name without its extension; `.nii.gz` counts as one extension. */
export function stemOf(file: string): string {
  const name = path.basename(file);
  if (name.toLowerCase().endsWith('.nii.gz')) return name.slice(0, -'.nii.gz'.length);
  const ext = path.extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}
