// Grow from seeds as a preview: the open plane's labels go to the core, which grows them over the image's raw
// intensities; the grown plane is shown over the labels until Enter accepts it (one undo step, only unlabeled
// pixels change) or Escape discards it. While it is shown each finished stroke asks again, and only the newest
// answer, for the plane it was asked for, is shown. A region of interest (grow-roi.svelte.ts) limits where it grows.
import type { VolumeAxis } from '../../../src/api/types.ts';
import { base64ToBytes, bytesToBase64, decodeRuns, encodeRuns, grownOntoUnlabeled, UNLABELED, type LabelEditor, type LabelMap, type Rect } from '../../../src/labels/index.ts';
import type { ApiClient } from '../api-client/index.ts';
import { GrowRoi } from './grow-roi.svelte.ts';
import type { ViewKey } from './overlays.svelte.ts';

/** What the preview reads from the editor around it. */
export interface GrowContext {
  view(): ViewKey;
  map(): LabelMap | null;
  editor(): LabelEditor | null;
  /** Shows a plane on the shared preview layer (hatched, over the labels), or (null) clears it. */
  showPreview(preview: { values: Uint8Array; width: number } | null): void;
  /** Draws the region of interest's rectangle over the image, or none. */
  showRoi(rect: Rect | null): void;
}

export class GrowPreview {
  /** On from G until Enter or Escape: strokes re-grow it. */
  active = $state(false);
  busy = $state(false);
  private grown: Uint8Array | null = null;
  private grownFor: LabelMap | null = null;
  /** Counts requests: a slow answer to an older one never replaces a newer one. */
  private request = 0;
  /** Where it grows: a rectangle of the plane and, on a volume, a range of planes. */
  readonly roi: GrowRoi;

  constructor(private readonly api: ApiClient, private readonly context: GrowContext) {
    this.roi = new GrowRoi({ show: (rect) => context.showRoi(rect), plane: () => context.map() });
  }

  /** G: grows the open plane's labels and shows the result (again, after each stroke, while active). */
  async grow(): Promise<void> {
    const map = this.context.map();
    const view = this.context.view();
    if (!map || view.imageId === null) return;
    const request = ++this.request;
    this.active = true;
    this.busy = true;
    try {
      const roi = this.roi.rect;
      const plane = await this.api.growFromSeeds({ imageId: view.imageId, slice: view.slice, axis: view.axis as VolumeAxis, labels: bytesToBase64(encodeRuns(map.data)), ...(roi ? { roi } : {}) });
      if (request !== this.request || this.context.map() !== map) return;
      this.grown = decodeRuns(base64ToBytes(plane.data), map.width * map.height);
      this.grownFor = map;
      this.show();
    } catch (error) {
      // Refused (fewer than two classes): nothing is shown or changed; the message says what is needed.
      if (request === this.request) this.discard();
      throw error;
    } finally {
      if (request === this.request) this.busy = false;
    }
  }

  /** A stroke, undo or redo changed the labels: grow again if the preview is on. */
  async labelsChanged(): Promise<void> {
    if (this.active) await this.grow();
  }

  /** Enter: writes the grown classes into the unlabeled pixels as one undo step. False when there is nothing to accept. */
  accept(): boolean {
    const editor = this.context.editor();
    const map = this.context.map();
    const grown = this.grown;
    if (!editor || !map || !grown || this.grownFor !== map) return false;
    this.discard();
    editor.applyPlane(grownOntoUnlabeled(map.data, grown));
    return true;
  }

  /** Escape, or another plane opened: forgets the preview and any answer on its way. */
  discard(): void {
    const wasShown = this.grown !== null;
    this.request++;
    this.active = false;
    this.busy = false;
    this.grown = null;
    this.grownFor = null;
    if (wasShown) this.context.showPreview(null);
  }

  /** Draws the grown classes where the labels are still unlabeled; strokes show through in their own colour. */
  private show(): void {
    const map = this.context.map();
    if (!map || !this.grown) return;
    const shown = new Uint8Array(this.grown.length);
    for (let i = 0; i < shown.length; i++) shown[i] = map.data[i] === UNLABELED ? this.grown[i] : UNLABELED;
    this.context.showPreview({ values: shown, width: map.width });
  }
}
