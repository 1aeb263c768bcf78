// Segmenting a volume (NIfTI, DICOM series or multi-frame DICOM) slice by slice into one label volume, written with
// the source's geometry: NIfTI labels, plus a DICOM SEG for DICOM sources when asked.
import { CancelledError } from '../api/errors.ts';
import { hasSegments, labelVolumeExtension, writeLabelVolume } from '../io/index.ts';
import type { Raster } from '../io/raster.ts';
import type { InferenceModel } from './inference-model.ts';
import { modelInput, segmentSource, type SegmentOptions } from './segment-image.ts';

/** Labels of every slice, one after another (the order writeLabelVolume takes). */
export async function segmentVolumeSlices(model: InferenceModel, raster: Raster, options: SegmentOptions = {}): Promise<Uint8Array> {
  const plane = raster.width * raster.height;
  const labels = new Uint8Array(plane * raster.slices);
  for (let slice = 0; slice < raster.slices; slice++) {
    if (options.signal?.aborted) throw new CancelledError('volume segmentation');
    const result = await segmentSource(model, modelInput(raster, model.meta, slice), { ...options, probabilities: false, uncertainty: false });
    labels.set(result.mask, slice * plane);
  }
  return labels;
}

/**
 * Segments a volume into `output` (a .nii.gz), and `<stem>.seg.dcm` beside it for a DICOM source with dicomSeg
 * (left out when only background was found: a SEG cannot be empty).
 */
export async function segmentVolume(model: InferenceModel, raster: Raster, output: string, options: SegmentOptions = {}): Promise<void> {
  const labels = await segmentVolumeSlices(model, raster, options);
  const classes = model.meta.classes;
  await writeLabelVolume(output, raster, labels, 'nifti', classes);
  if (options.dicomSeg && raster.format === 'dicom' && hasSegments(labels, classes)) {
    await writeLabelVolume(output.replace(/\.nii\.gz$/, labelVolumeExtension('dicom-seg')), raster, labels, 'dicom-seg', classes, { algorithm: 'AUTOMATIC' });
  }
}
