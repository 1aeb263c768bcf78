// Edits of many slices of the open volume at once (interpolation between slices, morphology on the volume, grow
// from seeds through the volume): a
// preview the user browses slice by slice, accepted in one save or discarded, and a one-step volume-level undo for
// Ctrl+Z right after accepting. States: idle, computing, previewing, applying. Nothing is saved until accept; a
// refused edit changes nothing. The tools share the one preview: the newest request wins, and starting one drops
// the other's preview, shown or still being computed.
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
  /** A tool starts a volume preview: the other tools close theirs. */
  starting?(tool: VolumeEditTool): void;
}

/** The tools that preview volume edits, and how their messages name what they did to the slices. */
export type VolumeEditTool = 'interpolation' | 'morphology' | 'grow';
const DONE: Record<VolumeEditTool, { busy: string; did: string; again: string }> = {
  interpolation: { busy: 'Interpolating…', did: 'filled', again: 'Interpolate again.' },
  morphology: { busy: 'Computing the morphology…', did: 'changed', again: 'Run the morphology again.' },
  grow: { busy: 'Growing through the volume…', did: 'filled', again: 'Grow the volume again.' },
};

interface Preview {
  imageId: number;
  tool: VolumeEditTool;
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
  /** The tool whose preview is being computed or shown, or null. */
  tool = $state<VolumeEditTool | null>(null);
  private preview: Preview | null = null;
  private undoable: { imageId: number; tool: VolumeEditTool; undo: VolumeEdit } | null = null;
  /** Counts requests: a result arriving after a newer request or a discard is dropped. */
  private request = 0;

  constructor(private readonly api: ApiClient, private readonly context: VolumeEditContext) {}

  /** `I`: the interpolation preview of the open volume along the shown axis. A refusal saves nothing and keeps the undo history. */
  async interpolate(): Promise<void> {
    if (!this.context.view()) return this.context.error('Interpolation fills slices between labeled slices of a volume: open a volume first');
    if (this.state === 'computing' && this.tool === 'interpolation') return;
    await this.propose('interpolation', (view) => this.api.interpolateSlices(view.imageId, view.axis));
  }

  /** Shift+G: grow from seeds through the open volume from the strokes of every slice, inside `roi` when given. */
  async growVolume(roi: GrowVolumeRequest['roi']): Promise<void> {
    if (!this.context.view()) return this.context.error('Grow from seeds through a volume needs a volume: open one, or press G to grow this image');
    if (this.state === 'computing' && this.tool === 'grow') return;
    await this.propose('grow', (view) => this.api.growVolume({ imageId: view.imageId, axis: view.axis, ...(roi ? { roi } : {}) }));
  }

  /**
   * Computes a tool's edit of the open volume along the shown axis and shows it as the preview, in place of any
   * other; resolves to the edit, or null when there is no volume, an accept is under way, or a newer request or a
   * discard came first. An edit that changes no slice shows no preview. A refusal drops the old preview and throws.
   */
  async propose<E extends VolumeEdit>(tool: VolumeEditTool, compute: (view: { imageId: number; axis: VolumeAxis }) => Promise<E>): Promise<E | null> {
    const view = this.context.view();
    if (!view || this.state === 'applying') return null;
    // The other tools close first (their discard counts a request too), then this request becomes the newest.
    this.context.starting?.(tool);
    const request = ++this.request;
    this.clearPreview();
    this.state = 'computing';
    this.tool = tool;
    this.note = DONE[tool].busy;
    try {
      await this.context.flush();
      const edit = await compute(view);
      if (request !== this.request) return null;
      if (edit.slices.length === 0) {
        this.end();
        return edit;
      }
      // Only the edit's own fields travel back to applyVolumeEdit, which refuses any other.
      const { axis, baseRevision, slices } = edit;
      this.preview = { imageId: view.imageId, tool, edit: { axis, baseRevision, slices }, planes: new Map(slices.map((s) => [s.slice, base64ToBytes(s.after)])) };
      this.previewSlices = edit.slices.map((s) => s.slice);
      this.state = 'previewing';
      this.note = `Preview on ${edit.slices.length} slice${edit.slices.length === 1 ? '' : 's'} (${rangeText(this.previewSlices)}): Enter accepts, Escape discards`;
      this.show();
      return edit;
    } catch (e) {
      if (request === this.request) {
        this.end();
        this.note = '';
      }
      throw e;
    }
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
      this.undoable = { imageId: preview.imageId, tool: preview.tool, undo: applied.undo };
      this.canUndo = true;
      this.note = `${capitalised(DONE[preview.tool].did)} ${preview.edit.slices.length} slices; Ctrl+Z takes them all back`;
    } catch (e) {
      if (!(e instanceof StaleRevisionError)) {
        this.state = 'previewing';
        throw e;
      }
      this.context.error(`Labels changed since the preview, so it was not saved: ${e.message}. ${DONE[preview.tool].again}`);
    }
    this.end();
    await this.context.reload();
  }

  /** Escape: drops the preview, shown or still being computed (its answer never shows); nothing was saved. */
  discard(): void {
    if (this.state !== 'previewing' && this.state !== 'computing') return;
    const cancelled = this.state === 'computing';
    this.request++;
    this.end();
    this.note = cancelled ? 'Cancelled' : '';
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
      this.note = `Took back the ${undoable.undo.slices.length} ${DONE[undoable.tool].did} slices`;
    } catch (e) {
      if (!(e instanceof StaleRevisionError)) throw e;
      this.context.error(`Labels changed since the ${undoable.tool}, so it was not undone: ${e.message}`);
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
    this.tool = null;
  }

  /** Drops a shown preview before another is computed, so no stale one lingers meanwhile. */
  private clearPreview(): void {
    if (!this.preview) return;
    this.preview = null;
    this.previewSlices = [];
    this.note = '';
    this.context.showPreview(null);
  }
}

function capitalised(word: string): string {
  return word[0]!.toUpperCase() + word.slice(1);
}

/** "6–14", numbered as the slice bar numbers them (from 1). */
function rangeText(slices: number[]): string {
  const first = (slices[0] ?? 0) + 1;
  const last = (slices[slices.length - 1] ?? 0) + 1;
  return first === last ? `${first}` : `${first}–${last}`;
}
