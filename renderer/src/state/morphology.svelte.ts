// The morphology menu (key M): one operation on one class of the open plane, or of the whole open volume, previewed
// over the labels, then applied as one undo step. On a plane it runs here and applies through
// LabelEditor.applyPlane; on a volume the core runs it in 3D and it goes through the volume edits (a preview on
// several slices, saved in one transaction, Ctrl+Z takes it all back). A refused request (a radius below 1, a class
// with no voxel) says why and shows no preview; nothing changes until Apply.
import { UserError } from '../../../src/api/errors.ts';
import type { VolumeMorphologyEdit } from '../../../src/api/service.ts';
import type { VolumeAxis } from '../../../src/api/types.ts';
import {
  applyMorphology,
  checkMorphologyRequest,
  RADIUS_OPERATIONS,
  type LabelEditor,
  type MorphologyOperation,
  type MorphologyRequest,
  type MorphologyResult,
} from '../../../src/labels/index.ts';
import type { LabelStage } from '../canvas/stage.ts';
import { packRgba } from '../canvas/colors.ts';
import type { VolumeEditState } from './volume-edits.svelte.ts';

/** What the menu reads from the editor around it. */
export interface MorphologyContext {
  editor(): LabelEditor | null;
  stage(): LabelStage | null;
  /** Class colours by index. */
  lut(): Uint32Array;
  classCount(): number;
  /** After applying: refresh undo buttons and the like. */
  applied(): void;
  /** Counts changes of the open plane's labels (strokes, undo, loads). */
  labelsVersion(): number;
  /** The open volume's edits, or null when a plain image is open. */
  volumeEdits(): VolumeEditState | null;
  /** The core's preview of the request on the whole open volume, along the shown axis. */
  morphVolume(request: MorphologyRequest, view: { imageId: number; axis: VolumeAxis }): Promise<VolumeMorphologyEdit>;
}

/** Where the operation runs: the plane shown, or every slice of the open volume (in 3D). */
export type MorphologyScope = 'plane' | 'volume';

/** Preview raster values: unchanged pixels show nothing, added ones their class colour, removed ones a marker. */
const ADDED = 1;
const REMOVED = 2;
const REMOVED_COLOUR = packRgba(255, 0, 255, 200);

export class MorphologyState {
  open = $state(false);
  operation = $state<MorphologyOperation>('fill-holes');
  classIndex = $state(0);
  radius = $state(2);
  minSize = $state(50);
  overwrite = $state(false);
  /** The preview's outcome in words, or why the request is refused. */
  summary = $state('');
  refused = $state(false);
  scope = $state<MorphologyScope>('plane');
  /** The request last sent for the volume, so browsing its preview's slices does not ask again. */
  private volumeRequest = '';
  /** The volume preview this menu showed, until accepted or dropped. */
  private volumeEdit: VolumeMorphologyEdit | null = null;
  /** The plane's last result, which Apply reuses while the labels and the request are those it was computed for. */
  private computed: { editor: LabelEditor; version: number; request: string; result: MorphologyResult } | null = null;

  constructor(private readonly context: MorphologyContext) {}

  get takesRadius(): boolean {
    return RADIUS_OPERATIONS.includes(this.operation);
  }

  /** Whether the operation runs on the whole volume: chosen, and a volume is open. */
  get onVolume(): boolean {
    return this.scope === 'volume' && this.context.volumeEdits() !== null;
  }

  /** Opens the menu on the class being painted; another tool's volume preview (interpolation, grow) gives way to the menu's. */
  show(classIndex: number): void {
    this.classIndex = classIndex;
    this.open = true;
    const edits = this.context.volumeEdits();
    if (edits?.tool && edits.tool !== 'morphology') edits.discard();
  }

  /**
   * After a load: a plane's preview belongs to its plane, so the menu closes; on the volume it stays open while
   * the user browses the slices of its preview (or of a refusal), and closes once that preview was accepted or
   * dropped elsewhere.
   */
  viewChanged(sameImage: boolean): void {
    const edits = this.context.volumeEdits();
    if (!this.open || !sameImage || !this.onVolume || (this.volumeEdit && edits?.tool !== 'morphology')) this.discard();
  }

  request(): MorphologyRequest {
    return {
      operation: this.operation,
      classIndex: this.classIndex,
      ...(this.takesRadius ? { radius: this.radius } : {}),
      ...(this.operation === 'remove-islands' ? { minSize: this.minSize } : {}),
      overwrite: this.overwrite,
    };
  }

  /** Recomputes the preview from the labels as they are now. */
  preview(): void {
    if (!this.open) return;
    if (this.onVolume) return void this.previewVolume();
    this.dropVolumePreview();
    const result = this.compute();
    const editor = this.context.editor();
    const stage = this.context.stage();
    if (!result || !editor || !stage) return stage?.setPreview(null, 1, this.lut());
    const before = editor.map.data;
    const raster = new Uint8Array(before.length);
    for (let i = 0; i < raster.length; i++) {
      if (result.labels[i] !== before[i]) raster[i] = result.labels[i] === this.classIndex ? ADDED : REMOVED;
    }
    stage.setPreview(raster, editor.map.width, this.lut());
  }

  /** Enter or Apply: runs the operation on the labels as they are now, as one undo step, and closes the menu. */
  async accept(): Promise<void> {
    if (this.onVolume) return this.acceptVolume();
    const result = this.compute();
    const editor = this.context.editor();
    if (!result || !editor) return;
    editor.applyPlane(result.labels);
    this.discard();
    this.context.applied();
  }

  /** Escape or Cancel: closes the menu and its preview, changing nothing. */
  discard(): void {
    this.open = false;
    this.computed = null;
    this.summary = '';
    this.refused = false;
    this.dropVolumePreview();
    this.context.stage()?.setPreview(null, 1, this.lut());
  }

  /** Asks the core for the volume's preview when the request or the view changed; the newest request wins. */
  private async previewVolume(): Promise<void> {
    const edits = this.context.volumeEdits()!;
    const request = this.request();
    const key = JSON.stringify(request);
    if (key === this.volumeRequest) return;
    this.context.stage()?.setPreview(null, 1, this.lut());
    this.volumeRequest = key;
    this.volumeEdit = null;
    try {
      // Refused here at once when the request itself is wrong; the core refuses a class with no voxel.
      checkMorphologyRequest(request, this.context.classCount());
      this.refused = false;
      this.summary = 'Computing on the volume…';
      const edit = await edits.propose('morphology', (view) => this.context.morphVolume(request, view));
      if (!edit || key !== this.volumeRequest) return;
      this.volumeEdit = edit.slices.length > 0 ? edit : null;
      const slices = `${edit.slices.length} slice${edit.slices.length === 1 ? '' : 's'}`;
      this.summary = edit.slices.length === 0 ? 'No voxel changes' : `${edit.added} voxels added, ${edit.removed} removed on ${slices}`;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      if (key !== this.volumeRequest) return;
      if (edits.tool === 'morphology') edits.discard();
      this.refused = true;
      this.summary = e.message;
    }
  }

  /** Saves the volume preview in one transaction, closing the menu; nothing while it is still computed or refused. */
  private async acceptVolume(): Promise<void> {
    const edits = this.context.volumeEdits()!;
    if (edits.tool !== 'morphology' || !edits.previewing) return;
    this.open = false;
    this.summary = '';
    this.volumeRequest = '';
    this.volumeEdit = null;
    await edits.accept();
    this.context.applied();
  }

  /** Drops this menu's volume preview, shown or on its way. */
  private dropVolumePreview(): void {
    this.volumeRequest = '';
    this.volumeEdit = null;
    const edits = this.context.volumeEdits();
    if (edits?.tool === 'morphology') edits.discard();
  }

  private compute(): MorphologyResult | null {
    const editor = this.context.editor();
    if (!editor) return null;
    try {
      const request = this.request();
      const key = { editor, version: this.context.labelsVersion(), request: JSON.stringify(request) };
      const cached = this.computed;
      const result =
        cached && cached.editor === key.editor && cached.version === key.version && cached.request === key.request
          ? cached.result
          : applyMorphology(editor.map.data, editor.map, this.context.classCount(), request);
      this.computed = { ...key, result };
      this.refused = false;
      this.summary = result.added + result.removed === 0 ? 'No pixel changes' : `${result.added} pixels added, ${result.removed} removed`;
      return result;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      this.refused = true;
      this.summary = e.message;
      return null;
    }
  }

  private lut(): Uint32Array {
    const lut = new Uint32Array(256);
    lut[ADDED] = ((this.context.lut()[this.classIndex] & 0x00ffffff) | (200 << 24)) >>> 0;
    lut[REMOVED] = REMOVED_COLOUR;
    return lut;
  }
}
