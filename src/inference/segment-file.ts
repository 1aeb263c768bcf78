// Segmenting one file into its output files: the per-file entry point of a batch (the folder loop in batch.ts, the
// worker pool, the queue). A 2D image goes through the single-image engine, a volume through volume.ts.
import { georeferenceOf, openRaster, readMask } from '../io/index.ts';
import { writeClassGeoJson } from '../io/geojson.ts';
import type { Raster } from '../io/raster.ts';
import type { InferenceModel } from './inference-model.ts';
import { modelInput, segmentRows, type SegmentOptions } from './segment-image.ts';
import { FileSink, outputPaths } from './segment-sinks.ts';
import { segmentVolume } from './volume.ts';

/**
 * Segments one file into its outputs (see outputPaths): a GeoTIFF input's TIFF outputs are streamed row by row, so
 * the image may be larger than memory. Throws InputError for a file that cannot be read.
 */
export async function segmentFile(model: InferenceModel, file: string, output: string, options: SegmentOptions = {}): Promise<void> {
  const raster = await openRaster(file);
  try {
    if (raster.slices > 1) {
      // A multi-frame file found by a 2D extension still gets a label volume.
      await segmentVolume(model, raster, output.replace(/\.(png|tif)$/, '.nii.gz'), options);
      return;
    }
    const source = modelInput(raster, model.meta);
    const sink = await FileSink.create(outputPaths(output, options), raster, model.meta.classes.length);
    try {
      await segmentRows(model, source, options, sink);
    } catch (error) {
      await sink.abort();
      throw error;
    }
    await sink.finish();
    if (options.geojson) await writeGeoJsonBeside(output, raster, model.meta.classes);
  } finally {
    await raster.close();
  }
}

/** Where a mask's GeoJSON goes: beside it, NAME.geojson. */
export const geoJsonPathFor = (output: string) => output.replace(/\.(png|tif)$/, '.geojson');

/** NAME.geojson from the mask just written: polygons of every class, in the input's CRS when it has one. */
export async function writeGeoJsonBeside(output: string, raster: Raster, classes: { index: number; name: string }[]): Promise<void> {
  const mask = await readMask(output);
  await writeClassGeoJson(geoJsonPathFor(output), mask.data, mask.width, mask.height, classes, georeferenceOf(raster));
}

