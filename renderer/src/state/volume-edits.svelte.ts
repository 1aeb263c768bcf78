// Edits of many slices of the open volume at once (interpolation between slices, grow from seeds through the volume): a preview the user browses slice
// by slice, accepted in one save or discarded, and a one-step volume-level undo for Ctrl+Z right after accepting.
// States: idle, computing, previewing, applying. Nothing is saved until accept; a refused edit changes nothing.
import type { GrowVolumeRequest, VolumeEdit } from '../../../src/api/service.ts';
import type { VolumeAxis } from '../../../src/api/types.ts';
import { base64ToBytes } from '../../../src/labels/index.ts';
import { StaleRevisionError } from '../../../src/api/errors.ts';
import type { ApiClient } from '../api-client/index.ts';

/** What the volume edits read from and do to the editor around them. */
export interface VolumeEditContext {
  /** The open volume and the plane shown, or null when no volume is open. */
  view(): { imageId: number; axis: VolumeAxis; slice: number } | null;
  /** Stores pending strokes first, so an edit is computed from (and applied over) what the user sees. */
  flush(): Promise<void>;
  /** Shows a plane of labels as a preview over the shown plane, or none. */
  showPreview(values: Uint8Array | null): void;
  /** Reloads the shown plane's labels after an edit was saved. */
  reload(): Promise<void>;
  error(text: string): void;
}

interface Preview {
  imageId: number;
  edit: VolumeEdit;
  planes: Map<number, Uint8Array>;
}

export class VolumeEditState {
  state = $state<'idle' | 'computing' | 'previewing' | 'applying'>('idle');
  /** Slices the preview fills, ascending (for the slice bar and the message). */
  previewSlices = $state.raw<number[]>([]);
  /** An accepted edit can be taken back as one step while nothing else was changed after it. */
  canUndo = $state(false);
  /** What the last volume edit did or offers, shown beside the slice bar. */
  note = $state('');
  private preview: Preview | null = null;
  /** Counts computations: one cancelled (Escape) or overtaken never shows its answer. */
  private computation = 0;
  private undoable: { imageId: number; undo: VolumeEdit } | null = null;

  constructor(private readonly api: ApiClient, private readonly context: VolumeEditContext) {}

  /** `I`: the interpolation preview of the open volume along the shown axis. A refusal leaves everything as it was. */
  async interpolate(): Promise<void> {
    await this.previewEdit('Interpolating…', 'Interpolation fills slices between labeled slices of a volume: open a volume first', (view) => this.api.interpolateSlices(view.imageId, view.axis));
  }

  /** Shift+G: grow from seeds through the open volume from the strokes of every slice, inside `roi` when given. */
  async growVolume(roi: GrowVolumeRequest['roi']): Promise<void> {
    await this.previewEdit('Growing through the volume…', 'Grow from seeds through a volume needs a volume: open one, or press G to grow this image', (view) =>
      this.api.growVolume({ imageId: view.imageId, axis: view.axis, ...(roi ? { roi } : {}) }),
    );
  }

  /** Computes an edit of the open volume from its saved labels and shows it as the preview; a refusal changes nothing. */
  private async previewEdit(busy: string, noVolume: string, compute: (view: { imageId: number; axis: VolumeAxis }) => Promise<VolumeEdit>): Promise<void> {
    const view = this.context.view();
    if (!view) return this.context.error(noVolume);
    if (this.state !== 'idle' && this.state !== 'previewing') return;
    const previous = this.state;
    const note = this.note;
    const computation = ++this.computation;
    this.state = 'computing';
    this.note = busy;
    try {
      await this.context.flush();
      const edit = await compute(view);
      if (computation !== this.computation) return;
      this.preview = { imageId: view.imageId, edit, planes: new Map(edit.slices.map((s) => [s.slice, base64ToBytes(s.after)])) };
      this.previewSlices = edit.slices.map((s) => s.slice);
      this.state = 'previewing';
      this.note = `Preview on ${edit.slices.length} slice${edit.slices.length === 1 ? '' : 's'} (${rangeText(this.previewSlices)}): Enter accepts, Escape discards`;
      this.show();
    } catch (e) {
      if (computation !== this.computation) return;
      this.state = previous;
      this.note = note;
      throw e;
    }
  }

  /** Escape while an edit is computed: its answer will be dropped (the core finishes it unseen); nothing changes. */
  cancel(): void {
    if (this.state !== 'computing') return;
    this.computation++;
    this.state = this.preview ? 'previewing' : 'idle';
    this.note = 'Cancelled';
  }

  /** Lays the preview over the shown plane when it fills that plane; called after every load. */
  show(): void {
    const view = this.context.view();
    const preview = this.preview;
    if (preview && (!view || view.imageId !== preview.imageId || view.axis !== preview.edit.axis)) return this.discard();
    this.context.showPreview(preview && view ? (preview.planes.get(view.slice) ?? null) : null);
  }

  get previewing(): boolean {
    return this.state === 'previewing';
  }

  /** Enter: saves every previewed slice in one transaction; Ctrl+Z right after takes them all back. */
  async accept(): Promise<void> {
    const preview = this.preview;
    if (!preview || this.state !== 'previewing') return;
    this.state = 'applying';
    try {
      await this.context.flush();
      const applied = await this.api.applyVolumeEdit(preview.imageId, preview.edit);
      this.undoable = { imageId: preview.imageId, undo: applied.undo };
      this.canUndo = true;
      this.note = `Filled ${preview.edit.slices.length} slices; Ctrl+Z takes them all back`;
    } catch (e) {
      if (!(e instanceof StaleRevisionError)) {
        this.state = 'previewing';
        throw e;
      }
      this.context.error(`Labels changed since the preview, so it was not saved: ${e.message}. Interpolate again.`);
    }
    this.end();
    await this.context.reload();
  }

  /** Escape: drops the preview; nothing was saved. */
  discard(): void {
    if (!this.preview) return;
    this.end();
    this.note = '';
    this.context.showPreview(null);
  }

  /** Ctrl+Z right after accepting: puts every slice of the edit back in one save. */
  async undo(): Promise<void> {
    const undoable = this.undoable;
    if (!undoable) return;
    this.forgetUndo();
    await this.context.flush();
    try {
      await this.api.applyVolumeEdit(undoable.imageId, undoable.undo);
      this.note = `Took back the ${undoable.undo.slices.length} filled slices`;
    } catch (e) {
      if (!(e instanceof StaleRevisionError)) throw e;
      this.context.error(`Labels changed since the interpolation, so it was not undone: ${e.message}`);
    }
    await this.context.reload();
  }

  /** Another change came after the accepted edit: Ctrl+Z belongs to it now. */
  forgetUndo(): void {
    if (this.undoable) this.note = '';
    this.undoable = null;
    this.canUndo = false;
  }

  private end(): void {
    this.preview = null;
    this.previewSlices = [];
    this.state = 'idle';
  }
}

/** "6–14", numbered as the slice bar numbers them (from 1). */
function rangeText(slices: number[]): string {
  const first = (slices[0] ?? 0) + 1;
  const last = (slices[slices.length - 1] ?? 0) + 1;
  return first === last ? `${first}` : `${first}–${last}`;
}
