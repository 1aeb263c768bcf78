// The raw intensities of one plane and one band (Hounsfield units for CT, a raster band's own values), for
// threshold painting: the display image is windowed to 8 bits, so a range in HU cannot be read back from it.
import { ArgumentError } from '../api/errors.ts';
import type { IntensityPlaneOptions, IntensityPlanePayload } from '../api/service.ts';
import type { ImageRecord } from '../store/images.ts';
import { toBase64 } from './payload-bytes.ts';
import type { RawPlanes } from './raw-planes.ts';

export async function intensityPlane(planes: RawPlanes, image: ImageRecord, options: IntensityPlaneOptions = {}): Promise<IntensityPlanePayload> {
  const { band = 0, slice = 0, axis = 2 } = options;
  const { values: all, width, height, bands, nodata } = await planes.read(image, slice, axis, { method: 'intensityPlane', argument: 'options.slice' });
  if (band >= bands) throw new ArgumentError('intensityPlane', 'options.band', `${band} does not exist: ${image.name} has ${bands} band${bands === 1 ? '' : 's'} (0 to ${bands - 1})`);
  const values = new Float32Array(width * height);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0, src = band; i < values.length; i++, src += bands) {
    const v = all[src]!;
    // Nodata travels as NaN, which no threshold range holds.
    if (v === nodata || !Number.isFinite(v)) {
      values[i] = NaN;
      continue;
    }
    values[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const empty = min > max;
  return { width, height, band, bands, data: toBase64(new Uint8Array(values.buffer)), min: empty ? null : min, max: empty ? null : max };
}
