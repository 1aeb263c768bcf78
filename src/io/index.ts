// The io module's front door: open any supported image, read masks, write masks, find image files.
export { InputError, type ImageData2D, type Raster, type RasterDType } from './raster.ts';
export { openRaster, readImage, sniffFormat } from './open.ts';
export { checkMaskFits, readMask, readMaskSlices, writeColorMaskPng, writeMaskPng, type Mask, type MaskOptions } from './mask.ts';
export { labelStemOf, LABELS_INFIX, listImageFiles, stemOf } from './files.ts';
export { listImageSources, parseSeriesPath, seriesPath, sourceName } from './sources.ts';
export { writeAtomic } from './write-atomic.ts';
export { writeGeoTiffMask, writeProbabilityTiff, georeferenceOf, createMaskWriter, createProbabilityWriter, createUncertaintyWriter } from './raster-outputs.ts';
export { writeTiff, type TiffGeoreference, type TiffImage } from './tiff-writer.ts';
export { TiffStripWriter, type TiffStripWriterOptions } from './tiff-strip-writer.ts';
export { openDicom, openDicomSeries, listDicomSeries, parseDicomFile, type DicomHeader, type DicomSeriesSummary } from './dicom.ts';
export { applyWindow, windowForRange, WINDOW_PRESETS, type DicomWindow, type WindowPreset } from './dicom-window.ts';
export { openNifti, writeNiftiLabels, affineOf, type NiftiGeometry, type NiftiAxis } from './nifti.ts';
export { readOverview } from './tiff.ts';
export { seriesGeometry, seriesNiftiGeometry, writeSeriesLabelsAsNifti, type SeriesGeometry } from './series-geometry.ts';
export { readDicomSeg, writeDicomSeg, referencedInstances, type SegClass, type SegWriteOptions, type DicomSegVolume } from './dicom-seg.ts';
export { writeLabelVolume, labelVolumeExtension, hasSegments, type LabelVolumeFormat, type LabelVolumeOptions } from './label-volume.ts';
export { sliceWithNeighbours, readSliceWithNeighbours, type SliceView } from './slice-stack.ts';
