// An image's painted labels written out as a file: PNG for 2D images, a NIfTI label map or a DICOM SEG with the
// source's geometry for volumes. Shared by `segwork export` and the workbench's Export.
import * as path from 'node:path';
import { InputError, labelVolumeExtension, openRaster, stemOf, writeLabelVolume, writeMaskPng } from '../io/index.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';
import type { LabelExportFormat } from './service.ts';
import { UNLABELED } from './types.ts';

export const LABEL_EXPORT_FORMATS: readonly LabelExportFormat[] = ['png', 'nifti', 'dicom-seg'];

/** PNG for plain images, NIfTI for volumes. */
export function defaultExportFormat(image: ImageRecord): LabelExportFormat {
  return image.slices > 1 ? 'nifti' : 'png';
}

export function exportFileName(image: ImageRecord, format: LabelExportFormat): string {
  const stem = image.slices > 1 || format !== 'png' ? `${stemOf(image.name.replace(/ \(series …[\d.]+\)$/, ''))}.labels` : stemOf(image.name);
  return `${stem}${format === 'png' ? '.png' : labelVolumeExtension(format)}`;
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
  if (format === 'png') {
    if (image.slices > 1) throw new InputError(image.name, `is a volume of ${image.slices} slices: export it as nifti or dicom-seg`);
    const mask = ws.masks.current(image.id)!;
    await writeMaskPng(file, mask.width, mask.height, mask.data);
    return;
  }
  const raster = await openRaster(image.path);
  try {
    const classes = ws.projects.require(image.projectId).classes;
    await writeLabelVolume(file, raster, labelVolumeOf(ws, image), format, classes, options);
  } finally {
    await raster.close();
  }
}

/** The export's path inside a folder. */
export function exportPath(dir: string, image: ImageRecord, format: LabelExportFormat): string {
  return path.join(dir, exportFileName(image, format));
}
