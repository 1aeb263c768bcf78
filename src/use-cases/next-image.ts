// Which image to label next: the unlabeled one the model is least sure of, else (nothing scored yet) the first
// unlabeled one by name. The image open now is never the answer, so "next" always moves on.
import type { ImageInfo } from '../api/types.ts';
import type { Workspace } from '../store/workspace.ts';

export function nextImageToLabel(ws: Workspace, projectId: number, exceptImageId: number | null = null): ImageInfo | null {
  ws.projects.require(projectId);
  const scored = ws.images.mostUncertainUnlabeled(projectId, exceptImageId);
  if (scored) return scored;
  const { images } = ws.images.query({ projectId, status: 'unlabeled', sort: 'name', limit: 2 });
  return images.find((image) => image.id !== exceptImageId) ?? null;
}
