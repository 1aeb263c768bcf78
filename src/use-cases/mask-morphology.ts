// Label morphology on mask files: read a mask (PNG, TIFF/GeoTIFF, NIfTI label volume), run one operation on one
// class, write it in its own format (a GeoTIFF keeps its CRS and geotransform, a NIfTI volume its geometry, and is
// worked on in 3D, in voxels). Every writer writes a temp file and renames it into place.
import { openRaster, readMaskSlices, sniffFormat, writeGeoTiffMask, writeMaskPng, writeNiftiLabels } from '../io/index.ts';
import { applyMorphology, type MorphologyRequest } from '../labels/morphology.ts';

export interface MaskMorphologyReport {
  width: number;
  height: number;
  slices: number;
  added: number;
  removed: number;
}

/** Runs `request` on the mask `inFile` and writes the result to `outFile`; values at or above numClasses (but 255) are refused. */
export async function morphMaskFile(inFile: string, outFile: string, numClasses: number, request: MorphologyRequest): Promise<MaskMorphologyReport> {
  const slices = await readMaskSlices(inFile, { numClasses });
  const { width, height } = slices[0]!;
  const labels = new Uint8Array(width * height * slices.length);
  slices.forEach((s, z) => labels.set(s.data, z * width * height));
  const { labels: result, added, removed } = applyMorphology(labels, { width, height, depth: slices.length }, numClasses, request);
  const format = await sniffFormat(inFile);
  if (format === 'png') {
    await writeMaskPng(outFile, width, height, result);
  } else {
    // TIFFs and NIfTI volumes are written with their reference's georeference or geometry.
    const reference = await openRaster(inFile);
    try {
      if (format === 'tiff') await writeGeoTiffMask(outFile, reference, result);
      else await writeNiftiLabels(outFile, reference, result);
    } finally {
      await reference.close();
    }
  }
  return { width, height, slices: slices.length, added, removed };
}
