// A volume's label map written with its source's geometry: NIfTI for NIfTI volumes and DICOM series (so it overlays
// in 3D Slicer / ITK-SNAP), or a DICOM SEG that references the source series.
import { UNLABELED } from '../api/types.ts';
import { writeDicomSeg, type SegClass } from './dicom-seg.ts';
import { writeNiftiLabels } from './nifti.ts';
import { InputError, type Raster } from './raster.ts';
import { writeSeriesLabelsAsNifti } from './series-geometry.ts';

export type LabelVolumeFormat = 'nifti' | 'dicom-seg';

export interface LabelVolumeOptions {
  /** Value written for unlabeled voxels in NIfTI (default 0: label maps read 0 as "no label"). */
  unlabeledValue?: number;
  /** DICOM SEG: who made the labels (MANUAL for painted labels, AUTOMATIC for model output). */
  algorithm?: 'MANUAL' | 'AUTOMATIC';
}

/** The class a DICOM SEG leaves out: one named background (or bg); -1 when there is none, so every class is a segment. */
export function segBackground(classes: SegClass[]): number {
  return classes.find((c) => /^(background|bg)$/i.test(c.name))?.index ?? -1;
}

/** Whether a DICOM SEG of these labels would hold any segment. */
export function hasSegments(labels: Uint8Array, classes: SegClass[]): boolean {
  const background = segBackground(classes);
  return labels.some((v) => v !== background && v !== UNLABELED);
}

/** The file extension a format's output gets. */
export function labelVolumeExtension(format: LabelVolumeFormat): string {
  return format === 'nifti' ? '.nii.gz' : '.seg.dcm';
}

/**
 * Writes `labels` (one slice after another, each row-major: the order readWindow gives a volume's slices; class
 * index per voxel, 255 unlabeled) for the volume `source`.
 */
export async function writeLabelVolume(
  file: string,
  source: Raster,
  labels: Uint8Array,
  format: LabelVolumeFormat,
  classes: SegClass[],
  options: LabelVolumeOptions = {},
): Promise<void> {
  if (format === 'dicom-seg') {
    if (source.format !== 'dicom') throw new InputError(source.path, `is ${source.format}; a DICOM SEG can only reference a DICOM source`);
    if (!hasSegments(labels, classes)) {
      throw new InputError(source.path, 'has no labeled voxel of a non-background class: a DICOM SEG would hold no segment');
    }
    await writeDicomSeg(file, source, labels, classes, { background: segBackground(classes), algorithm: options.algorithm ?? 'MANUAL' });
    return;
  }
  const unlabeled = options.unlabeledValue ?? 0;
  const values = unlabeled === UNLABELED ? labels : labels.map((v) => (v === UNLABELED ? unlabeled : v));
  if (source.format === 'nifti') await writeNiftiLabels(file, source, values);
  else if (source.format === 'dicom') await writeSeriesLabelsAsNifti(file, source, values);
  else throw new InputError(source.path, `is ${source.format}; NIfTI labels need a NIfTI or DICOM source`);
}
