// Adding images (and, optionally, their label masks) to a workspace project. A file that cannot be read is
// reported with its reason; the rest go on. Shared by `segwork import` and the workbench.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { listImageFiles, openRaster, readMask, stemOf } from '../io/index.ts';
import { InputError } from '../io/raster.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';

export interface ImportOptions {
  labelsDir?: string;
  labelValues?: number[];
  ignoreValue?: number;
}

export interface ImportResult {
  added: ImageRecord[];
  labeled: number;
  failed: { path: string; reason: string }[];
}

export async function fileHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Expands folders into their image files; plain files pass through. */
export async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (!s) throw new InputError(p, 'no such file or folder');
    if (s.isDirectory()) out.push(...(await listImageFiles(p, { recursive: true })));
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
            path: path.resolve(file),
            name: path.basename(file),
            contentHash: await fileHash(file),
            width: raster.width,
            height: raster.height,
            channels: raster.bands,
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
        const mask = await readMask(labelPath, { labelValues: options.labelValues, ignoreValue: options.ignoreValue, numClasses });
        if (mask.width !== record.width || mask.height !== record.height) {
          throw new InputError(labelPath, `label is ${mask.width}×${mask.height} but its image is ${record.width}×${record.height}`);
        }
        ws.masks.save(record.id, mask.data, mask.width, mask.height);
        result.labeled++;
      }
    } catch (e) {
      result.failed.push({ path: e instanceof InputError ? e.file : file, reason: e instanceof InputError ? e.problem : (e as Error).message });
    }
  }
  return result;
}
