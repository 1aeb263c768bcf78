// Image sources: a file, or a DICOM series named by one path, `<folder>#<SeriesInstanceUID>` (or the folder itself
// when its files carry no SeriesInstanceUID, as some anonymisers leave them), so that a series travels wherever an
// image path does (workspace records, worker requests, batch items) and opens as one volume.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { mayBeDicomFile, parseDicomFile } from './dicom.ts';
import { listImageFiles } from './files.ts';

const SERIES_SEPARATOR = '#';
/** A DICOM UID: digits and dots. */
const SERIES_PATH = /^(.*)#([0-9][0-9.]*)$/;

export function seriesPath(dir: string, seriesInstanceUID: string): string {
  return `${dir}${SERIES_SEPARATOR}${seriesInstanceUID}`;
}

/** The folder and series a series path names; null for anything else (including an existing file whose name has a #). */
export function parseSeriesPath(source: string): { dir: string; seriesInstanceUID: string } | null {
  const match = SERIES_PATH.exec(source);
  if (!match || existsSync(source)) return null;
  return { dir: match[1]!, seriesInstanceUID: match[2]! };
}

/** A name for a source: the file's (or series folder's) name; a series path adds its UID's tail. */
export function sourceName(source: string): string {
  const series = parseSeriesPath(source);
  if (!series) return path.basename(source);
  return `${path.basename(series.dir)} (series …${series.seriesInstanceUID.slice(-6)})`;
}

/**
 * The images under `dir`, with the files of each multi-file DICOM series replaced by one series path (in the
 * place of its first file). A DICOM file that cannot be parsed stays a file of its own, so the caller reports it.
 */
export async function listImageSources(dir: string, options: { recursive?: boolean } = {}): Promise<string[]> {
  const files = await listImageFiles(dir, options);
  const byFolderAndSeries = new Map<string, string[]>();
  const seriesOf = new Map<string, string>();
  for (const file of files) {
    if (!mayBeDicomFile(file)) continue;
    const uid = await parseDicomFile(file).then(({ header }) => (header.pixel.frames === 1 ? header.seriesInstanceUID : null), () => null);
    if (uid === null) continue;
    const key = uid ? seriesPath(path.dirname(file), uid) : path.dirname(file);
    seriesOf.set(file, key);
    byFolderAndSeries.set(key, [...(byFolderAndSeries.get(key) ?? []), file]);
  }
  const out: string[] = [];
  const emitted = new Set<string>();
  for (const file of files) {
    const key = seriesOf.get(file);
    if (!key || byFolderAndSeries.get(key)!.length < 2) out.push(file);
    else if (!emitted.has(key)) {
      emitted.add(key);
      out.push(key);
    }
  }
  return out;
}
