// Grow from seeds for the workbench: the open plane's raw intensities (every band, Hounsfield units as stored, not
// the 8-bit display image) and the labels the renderer holds now go through the core's competitive growth.
import { ArgumentError } from '../api/errors.ts';
import type { GrowRequest, GrownPlane } from '../api/service.ts';
import { growFromSeeds as grow } from '../labels/grow-from-seeds.ts';
import type { ImageRecord } from '../store/images.ts';
import { fromBase64, toBase64 } from './payload-bytes.ts';
import type { RawPlanes } from './raw-planes.ts';

export async function growFromSeeds(planes: RawPlanes, image: ImageRecord, request: GrowRequest): Promise<GrownPlane> {
  const plane = await planes.read(image, request.slice ?? 0, request.axis ?? 2, { method: 'growFromSeeds', argument: 'slice' });
  const labels = fromBase64(request.labels);
  if (labels.length !== plane.width * plane.height) {
    throw new ArgumentError('growFromSeeds', 'labels', `has ${labels.length} bytes; the plane is ${plane.width}×${plane.height} (${plane.width * plane.height} bytes)`);
  }
  const grown = grow(plane, labels, { ...(request.roi ? { roi: request.roi } : {}), ...(request.neighbours ? { neighbours: request.neighbours } : {}) });
  return { width: plane.width, height: plane.height, data: toBase64(grown) };
}
