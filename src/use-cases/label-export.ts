// An image's painted labels written out as a file: PNG for 2D images, a GeoTIFF with the source's georeferencing for
// GeoTIFFs, a NIfTI label map or a DICOM SEG with the source's geometry for volumes. Shared by `segwork export` and
// the workbench's Export.
import * as fs from 'node:fs/promises';
import os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../api/errors.ts';
import { georeferenceOf, InputError, LABELS_INFIX, labelVolumeExtension, openRaster, parseSeriesPath, stemOf, writeColorMaskPng, writeGeoTiffMask, writeLabelVolume, writeMaskPng } from '../io/index.ts';
import { classColorMapping } from '../labels/palette.ts';
import { writeClassGeoJson } from '../io/geojson.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';
import { labelExportFormats } from './export-formats.ts';
import { ensureDisplayOrder } from './mask-order-upgrade.ts';
import { LABEL_EXPORT_FORMATS, type LabelExportFormat, type LabelExportPayload } from '../api/service.ts';
import { UNLABELED } from '../api/types.ts';

/** NIfTI for volumes, GeoTIFF for GeoTIFFs, PNG for other images. */
export function defaultExportFormat(image: ImageRecord): LabelExportFormat {
  return labelExportFormats(image)[0]!;
}

// Formats an image could also be written in carry `.labels` before their extension, so an export can never be taken
// for its image or overwrite it; GeoJSON and DICOM SEG (.seg.dcm) have extensions no image has.
const EXTENSIONS: Record<LabelExportFormat, string> = {
  png: `${LABELS_INFIX}.png`,
  'color-png': `${LABELS_INFIX}.png`,
  geotiff: `${LABELS_INFIX}.tif`,
  geojson: '.geojson',
  nifti: `${LABELS_INFIX}${labelVolumeExtension('nifti')}`,
  'dicom-seg': labelVolumeExtension('dicom-seg'),
};

export function exportFileName(image: ImageRecord, format: LabelExportFormat): string {
  // The image's stem (a series' folder name), so exported labels pair with their images as --labels (labelStemOf).
  const series = parseSeriesPath(image.path);
  return `${series ? path.basename(series.dir) : stemOf(image.name)}${EXTENSIONS[format]}`;
}

/** Every slice's current mask, one after another; slices never labeled are all unlabeled. */
export function labelVolumeOf(ws: Workspace, image: ImageRecord): Uint8Array {
  const plane = image.width * image.height;
  const labels = new Uint8Array(plane * image.slices).fill(UNLABELED);
  for (const slice of ws.masks.labeledSlices(image.id)) labels.set(ws.masks.current(image.id, slice)!.data, slice * plane);
  return labels;
}

/**
 * Writes the image's labels to `file` in `format`. Throws for a format that does not fit the image (PNG of a
 * volume, DICOM SEG of a non-DICOM source) or an image with nothing labeled.
 */
export async function exportImageLabels(ws: Workspace, image: ImageRecord, format: LabelExportFormat, file: string, options: { unlabeledValue?: number } = {}): Promise<void> {
  if (ws.masks.labeledSlices(image.id).length === 0) throw new InputError(image.name, 'has no labels yet');
  await ensureDisplayOrder(ws, image.id);
  if (path.resolve(file) === path.resolve(image.path)) throw new InputError(file, 'is the image itself: export its labels into another folder');
  if ((format === 'png' || format === 'color-png' || format === 'geotiff' || format === 'geojson') && image.slices > 1) {
    throw new InputError(image.name, `is a volume of ${image.slices} slices: export it as nifti or dicom-seg`);
  }
  if (format === 'png') {
    const mask = ws.masks.current(image.id)!;
    await writeMaskPng(file, mask.width, mask.height, mask.data);
    return;
  }
  if (format === 'color-png') {
    const mask = ws.masks.current(image.id)!;
    const project = ws.projects.require(image.projectId);
    await writeColorMaskPng(file, mask.width, mask.height, mask.data, classColorMapping(project.classes, `project "${project.name}"`).labelColors);
    return;
  }
  const raster = await openRaster(image.path);
  try {
    if (format === 'geotiff') {
      if (!georeferenceOf(raster)) throw new InputError(image.name, 'has no georeferencing to keep: export it as png');
      await writeGeoTiffMask(file, raster, ws.masks.current(image.id)!.data);
    } else if (format === 'geojson') {
      const classes = ws.projects.require(image.projectId).classes;
      await writeClassGeoJson(file, ws.masks.current(image.id)!.data, image.width, image.height, classes, georeferenceOf(raster));
    } else {
      const classes = ws.projects.require(image.projectId).classes;
      await writeLabelVolume(file, raster, labelVolumeOf(ws, image), format, classes, options);
    }
  } finally {
    await raster.close();
  }
}

/** The export's path inside a folder. */
export function exportPath(dir: string, image: ImageRecord, format: LabelExportFormat): string {
  return path.join(dir, exportFileName(image, format));
}

const MIME: Record<LabelExportFormat, string> = { png: 'image/png', 'color-png': 'image/png', geotiff: 'image/tiff', geojson: 'application/geo+json', nifti: 'application/gzip', 'dicom-seg': 'application/dicom' };

/** The export as the workbench hands it to a browser to save: written to a temp folder, read back, removed. */
export async function exportLabelsPayload(ws: Workspace, image: ImageRecord, format: LabelExportFormat): Promise<LabelExportPayload> {
  if (!LABEL_EXPORT_FORMATS.includes(format)) throw new UserError(`unknown label format "${format}" (${LABEL_EXPORT_FORMATS.join(', ')})`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'segwork-export-'));
  try {
    const file = exportPath(dir, image, format);
    await exportImageLabels(ws, image, format, file);
    return { fileName: path.basename(file), mime: MIME[format], data: (await fs.readFile(file)).toString('base64') };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
