// A project's labeled images as a compute worker receives them: each labeled slice of each image with its current
// mask from the store (the pixels are read from the image's path in the worker). Training and evaluation use it.
import type { JobImage } from '../jobs/protocol.ts';
import type { Workspace } from '../store/workspace.ts';

export function labeledImages(ws: Workspace, projectId: number): JobImage[] {
  const out: JobImage[] = [];
  for (const status of ['partial', 'labeled'] as const) {
    for (const image of ws.images.query({ projectId, status }).images) {
      for (const slice of ws.masks.labeledSlices(image.id)) {
        const mask = ws.masks.current(image.id, slice)!;
        const name = image.slices > 1 ? `${image.name} [slice ${slice}]` : image.name;
        out.push({ name, imagePath: image.path, slice, width: mask.width, height: mask.height, mask: mask.data });
      }
    }
  }
  return out;
}
