// Adding images (and, optionally, their label masks) to a workspace project. A file that cannot be read is
// reported with its reason; the rest go on. Shared by `segwork import` and the workbench.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { checkMaskFits, labelStemOf, listImageFiles, listImageSources, openRaster, parseSeriesPath, readMaskSlices, sourceName, stemOf, type Mask, type MaskOptions } from '../io/index.ts';
import { InputError } from '../io/raster.ts';
import { classColorMapping } from '../labels/palette.ts';
import { UNLABELED } from '../api/types.ts';
import type { ImageRecord, NewImage } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';
import { ensureDisplayOrder } from './mask-order-upgrade.ts';

export interface ImportOptions extends Omit<MaskOptions, 'numClasses'> {
  labelsDir?: string;
}

export interface ImportResult {
  /** Images new to the project. */
  added: ImageRecord[];
  /** Images the project already had (same path): an import run again, e.g. after a kill. */
  existing: ImageRecord[];
  labeled: number;
  failed: { path: string; reason: string }[];
}

/** A source's content hash: its file's, or, for DICOM (a series too), that of its files in slice order. */
async function sourceHash(source: string, raster: { format: string; metadata: Record<string, unknown> }): Promise<string> {
  const files = raster.format === 'dicom' ? (raster.metadata.files as string[]) : [source];
  return (await hashFiles(files)).digest('hex');
}

async function hashFiles(files: string[]) {
  const hash = createHash('sha256');
  for (const file of files) for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

/**
 * Expands folders into their images (each multi-file DICOM series as one volume); plain files pass through. Finding
 * no image at all is the caller's mistake, named with the paths.
 */
export async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (parseSeriesPath(p)) {
      out.push(p);
      continue;
    }
    const s = await stat(p).catch(() => null);
    if (!s) throw new InputError(p, 'no such file or folder');
    if (s.isDirectory()) out.push(...(await listImageSources(p, { recursive: true })));
    else out.push(path.resolve(p));
  }
  if (out.length === 0) throw new InputError(paths.join(', '), 'no images found');
  return out;
}

/**
 * Imports one uploaded file (the workbench's drop and file picker): kept under <workspace>/uploads/<project>/ with
 * a safe, unused name; a file that is not a readable image is removed again and refused with the reason.
 */
export async function importUpload(ws: Workspace, projectId: number, fileName: string, base64: string): Promise<ImageRecord> {
  ws.projects.require(projectId);
  const safeName = path.basename(fileName).replace(/[^\w.\- ]+/g, '_') || 'image';
  const dir = path.join(ws.dir, 'uploads', String(projectId));
  await mkdir(dir, { recursive: true });
  let target = path.join(dir, safeName);
  for (let n = 1; existsSync(target); n++) target = path.join(dir, `${n}-${safeName}`);
  await writeFile(target, Buffer.from(base64, 'base64'));
  const result = await importImages(ws, projectId, [target]);
  if (result.failed.length > 0 || result.added.length === 0) {
    await rm(target, { force: true });
    throw new InputError(fileName, result.failed[0]?.reason ?? 'not a supported image');
  }
  return result.added[0]!;
}

export async function importImages(ws: Workspace, projectId: number, files: string[], options: ImportOptions = {}): Promise<ImportResult> {
  const result: ImportResult = { added: [], existing: [], labeled: 0, failed: [] };
  const labels = options.labelsDir ? new Map((await listImageFiles(options.labelsDir, { recursive: false })).map((p) => [labelStemOf(p), p])) : null;
  const numClasses = ws.projects.require(projectId).classes.length;
  for (const file of files) {
    try {
      const image = await describeImage(projectId, file);
      const labelPath = labels?.get(stemOf(file));
      let masks: Mask[] = [];
      let maskProblem: unknown = null;
      if (labelPath) {
        try {
          masks = await readMaskSlices(labelPath, { ...options, numClasses });
          checkMaskFits(labelPath, masks, { ...image, slices: image.slices ?? 1 });
        } catch (e) {
          maskProblem = e;
        }
      }
      // An image already here with masks an older Segwork saved in file order: turned before they are compared.
      const known = ws.images.findByPath(projectId, image.path);
      if (known) await ensureDisplayOrder(ws, known.id);
      // One transaction: a killed import leaves an image with its labels or not at all, so a re-run that finds the
      // image knows its labels are in, and saves a mask again only when its file changed.
      const { record, isNew } = ws.transaction(() => {
        const found = ws.images.findByPath(projectId, image.path);
        const record = found ?? ws.images.add(image);
        masks.forEach((mask, slice) => {
          if (mask.data.every((v) => v === UNLABELED)) return;
          const current = ws.masks.current(record.id, slice);
          if (current && Buffer.from(current.data).equals(Buffer.from(mask.data))) return;
          ws.masks.save(record.id, mask.data, mask.width, mask.height, { slice });
        });
        return { record, isNew: !found };
      });
      (isNew ? result.added : result.existing).push(record);
      if (maskProblem) throw maskProblem;
      if (labelPath) result.labeled++;
    } catch (e) {
      result.failed.push({ path: e instanceof InputError ? e.file : file, reason: e instanceof InputError ? e.problem : (e as Error).message });
    }
  }
  return result;
}

/**
 * The workbench's Add images: files and folders, with an optional folder of masks whose gray values are class
 * indices and whose colours map through the project's class colours.
 */
export async function addImages(ws: Workspace, projectId: number, paths: string[], labelsDir?: string): Promise<ImportResult> {
  const project = ws.projects.require(projectId);
  const labels = labelsDir ? { labelsDir, colors: classColorMapping(project.classes, `project "${project.name}"`), grayAsValues: true } : {};
  return importImages(ws, projectId, await expandPaths(paths), labels);
}

/** What the store keeps of an image file (or DICOM series): its path, size, bands, slices and content hash. */
async function describeImage(projectId: number, file: string): Promise<NewImage> {
  const raster = await openRaster(file);
  try {
    return {
      projectId,
      path: parseSeriesPath(file) ? file : path.resolve(file),
      name: sourceName(file),
      contentHash: await sourceHash(file, raster),
      width: raster.width,
      height: raster.height,
      channels: raster.bands,
      slices: raster.slices,
      modality: raster.modality,
      metadata: { format: raster.format, dtype: raster.dtype, slices: raster.slices, ...raster.metadata },
    };
  } finally {
    await raster.close();
  }
}
