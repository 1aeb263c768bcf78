// Adding images (and, optionally, their label masks) to a workspace project. A file that cannot be read is
// reported with its reason; the rest go on. Shared by `segwork import` and the workbench.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { checkMaskFits, listImageFiles, listImageSources, openRaster, parseSeriesPath, readMaskSlices, sourceName, stemOf, type MaskOptions } from '../io/index.ts';
import { InputError } from '../io/raster.ts';
import { UNLABELED } from './types.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';

export interface ImportOptions extends Omit<MaskOptions, 'numClasses'> {
  labelsDir?: string;
}

export interface ImportResult {
  added: ImageRecord[];
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

/** Expands folders into their images (each multi-file DICOM series as one volume); plain files pass through. */
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
  return out;
}

export async function importImages(ws: Workspace, projectId: number, files: string[], options: ImportOptions = {}): Promise<ImportResult> {
  const result: ImportResult = { added: [], labeled: 0, failed: [] };
  const labels = options.labelsDir ? new Map((await listImageFiles(options.labelsDir, { recursive: false })).map((p) => [stemOf(p), p])) : null;
  const numClasses = ws.projects.require(projectId).classes.length;
  for (const file of files) {
    try {
      const raster = await openRaster(file);
      const record = await (async () => {
        try {
          return ws.images.add({
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
          });
        } finally {
          await raster.close();
        }
      })();
      result.added.push(record);
      const labelPath = labels?.get(stemOf(file));
      if (labelPath) {
        const masks = await readMaskSlices(labelPath, { ...options, numClasses });
        checkMaskFits(labelPath, masks, record);
        ws.transaction(() => masks.forEach((mask, slice) => {
          if (mask.data.some((v) => v !== UNLABELED)) ws.masks.save(record.id, mask.data, mask.width, mask.height, { slice });
        }));
        result.labeled++;
      }
    } catch (e) {
      result.failed.push({ path: e instanceof InputError ? e.file : file, reason: e instanceof InputError ? e.problem : (e as Error).message });
    }
  }
  return result;
}
