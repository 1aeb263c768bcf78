// Which label formats fit an image, decided by what the file really is (read at import), never by its extension:
// a plain TIFF has no georeferencing to keep, so it exports as PNG, while a GeoTIFF keeps its CRS.
import type { LabelExportFormat } from '../api/service.ts';
import type { ImageRecord } from '../store/images.ts';

/** The formats the image's labels can be written in, the most natural first (the default). */
export function labelExportFormats(image: Pick<ImageRecord, 'slices' | 'metadata'>): LabelExportFormat[] {
  const format = image.metadata.format;
  if (image.slices > 1) return format === 'dicom' ? ['nifti', 'dicom-seg'] : ['nifti'];
  return format === 'geotiff' ? ['geotiff', 'geojson', 'png', 'color-png'] : ['png', 'color-png', 'geojson'];
}
