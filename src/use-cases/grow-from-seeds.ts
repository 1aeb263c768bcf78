// Grow from seeds for the workbench: the open plane's raw intensities (every band, Hounsfield units as stored, not
// the 8-bit display image) and the labels the renderer holds now go through the core's competitive growth.
import { ArgumentError } from '../api/errors.ts';
import type { GrowRequest, GrownPlane } from '../api/service.ts';
import { growFromSeeds as grow } from '../labels/grow-from-seeds.ts';
import { decodeRuns, encodeRuns } from '../labels/run-length.ts';
import type { ImageRecord } from '../store/images.ts';
import { fromBase64, toBase64 } from './payload-bytes.ts';
import type { RawPlanes } from './raw-planes.ts';

export async function growFromSeeds(planes: RawPlanes, image: ImageRecord, request: GrowRequest): Promise<GrownPlane> {
  const plane = await planes.read(image, request.slice ?? 0, request.axis ?? 2, { method: 'growFromSeeds', argument: 'slice' });
  const labels = planeLabels(request.labels, plane.width, plane.height);
  const grown = grow(plane, labels, { ...(request.roi ? { roi: request.roi } : {}), ...(request.neighbours ? { neighbours: request.neighbours } : {}) });
  return { width: plane.width, height: plane.height, data: toBase64(encodeRuns(grown)) };
}

/** The request's run-length coded labels, or an ArgumentError when they do not cover the plane exactly. */
function planeLabels(text: string, width: number, height: number): Uint8Array {
  try {
    return decodeRuns(fromBase64(text), width * height);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ArgumentError('growFromSeeds', 'labels', `does not code the ${width}×${height} plane: ${error.message}`);
  }
}
