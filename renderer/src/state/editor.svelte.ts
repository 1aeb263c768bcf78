// The label session of the open image: its label map (typed arrays, never proxied), the tools, undo and autosave,
// and the opening and closing of images. Three narrower states hang off it, each told only what it needs: which
// plane is shown (volume-view.svelte.ts), how it is displayed (display.svelte.ts) and what lies over the labels
// (overlays.svelte.ts). Reactive fields hold only settings and counters; pixels reach the screen through the
// stage's dirty rectangles.
import type { DisplayImageOptions } from '../../../src/api/service.ts';
import type { ClassDef, VolumeAxis } from '../../../src/api/types.ts';
import { base64ToBytes, LabelEditor, LabelMap, patchFromMap, type Point, type Rect, type ToolName } from '../../../src/labels/index.ts';
import { StaleRevisionError } from '../../../src/api/errors.ts';
import type { ApiClient } from '../api-client/index.ts';
import type { LabelStage } from '../canvas/stage.ts';
import { classLut } from '../canvas/colors.ts';
import { DisplayState } from './display.svelte.ts';
import { MorphologyState } from './morphology.svelte.ts';
import { GrowPreview } from './grow.svelte.ts';
import { OverlayState, type ViewKey } from './overlays.svelte.ts';
import { ThresholdState } from './threshold.svelte.ts';
import { planesAlong, VolumeView, type VolumeDims } from './volume-view.svelte.ts';
import { VolumeEditState } from './volume-edits.svelte.ts';

/** Autosave waits this long for more strokes before sending, well inside the one-second promise. */
const SAVE_DELAY_MS = 150;

export class EditorState {
  tool = $state<ToolName>('brush');
  brushSize = $state(12);
  classIndex = $state(0);
  opacity = $state(0.6);
  labelsVisible = $state(true);
  canUndo = $state(false);
  canRedo = $state(false);
  saveState = $state<'saved' | 'saving' | 'unsaved' | 'error'>('saved');
  loading = $state(false);
  imageId = $state<number | null>(null);
  /** Which plane of the open image is shown and painted. */
  readonly view = new VolumeView();
  /** Counts finished strokes and loads, for views that follow the labels. */
  version = $state(0);
  /** How the image is shown: window and band choice. */
  readonly display: DisplayState;
  /** Prediction, CAM and the probabilities under the pointer. */
  readonly overlays: OverlayState;
  /** Previews and edits spanning many slices of the open volume (interpolation, morphology, grow through the volume), with their one-step undo. */
  readonly volumeEdits: VolumeEditState;
  /** Threshold painting: the range the brush and the fill obey, and its live preview. */
  readonly threshold: ThresholdState;
  /** The morphology menu and its preview. */
  readonly morphology: MorphologyState;
  private classCount = 0;
  /** Grow from seeds: its preview over the labels (G, then Enter or Escape). */
  readonly grow: GrowPreview;

  map: LabelMap | null = null;
  /** The slice and axis `map` belongs to: pending patches are saved to them even after the view moves on. */
  private mapSlice = 0;
  private mapAxis: VolumeAxis = 2;
  editor: LabelEditor | null = null;
  private stage: LabelStage | null = null;
  private revision = 0;
  private lut: Uint32Array = new Uint32Array(256);
  private pending: Rect[] = [];
  private saving: Promise<void> | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private loadToken = 0;

  constructor(private readonly api: ApiClient, private readonly onSaved: (imageId: number) => void, private readonly onError: (text: string) => void) {
    this.display = new DisplayState(() => this.renderDisplay());
    this.overlays = new OverlayState(api, {
      stage: () => this.stage,
      lut: () => this.lut,
      view: () => this.viewKey(),
      polygonBounds: () => this.polygonBounds(),
    });
    this.volumeEdits = new VolumeEditState(api, {
      view: () => (this.imageId !== null && this.view.volume ? { imageId: this.imageId, axis: this.view.axis, slice: this.view.slice } : null),
      flush: () => this.flush(),
      showPreview: (values) => {
        // One preview at a time on the shared preview layer: a volume edit's replaces the plane's grow.
        if (values) this.grow.discard();
        this.stage?.setPreview(values, this.map?.width ?? 1, this.lut, true);
      },
      reload: async () => {
        if (this.imageId !== null) await this.load(this.imageId, this.view.slice, this.view.volume, this.view.axis);
      },
      error: onError,
      starting: (tool) => {
        if (tool !== 'morphology') this.morphology.discard();
      },
    });
    this.threshold = new ThresholdState(api, { stage: () => this.stage, view: () => this.viewKey() });
    this.morphology = new MorphologyState({
      editor: () => this.editor,
      stage: () => this.stage,
      lut: () => this.lut,
      classCount: () => this.classCount,
      applied: () => this.afterTool(),
      labelsVersion: () => this.version,
      volumeEdits: () => (this.imageId !== null && this.view.volume ? this.volumeEdits : null),
      morphVolume: (request, view) => api.morphVolume(view.imageId, request, view.axis),
    });
    this.grow = new GrowPreview(api, {
      view: () => this.viewKey(),
      map: () => this.map,
      editor: () => this.editor,
      showPreview: (preview) => {
        if (preview) {
          this.morphology.discard();
          this.volumeEdits.discard();
        }
        this.stage?.setPreview(preview?.values ?? null, preview?.width ?? 1, this.lut, true);
      },
      showRoi: (rect) => this.stage?.setRoi(rect),
    });
  }

  attach(stage: LabelStage | null): void {
    this.stage = stage;
  }

  setClasses(classes: ClassDef[]): void {
    this.lut = classLut(classes);
    this.classCount = classes.length;
    if (this.map && this.stage) this.stage.setLabels(this.map, this.lut);
    this.overlays.show();
  }

  /**
   * Opens an image (at a slice, for volumes): saves what is pending first, then loads pixels, labels and a fresh
   * history. Moving to another slice of the same image keeps the window, band choice and zoom.
   */
  async load(imageId: number, slice = 0, volume: VolumeDims | null = null, axis: VolumeAxis = 2): Promise<void> {
    const token = ++this.loadToken;
    // Loading shows at once, so nobody (person or test) paints on the previous image meanwhile.
    this.loading = true;
    try {
      await this.flush();
      const sameImage = imageId === this.imageId;
      const previousAxis = this.view.axis;
      if (!sameImage) this.display.reset();
      this.view.open(volume, axis, slice);
      const [display, mask, labeledSlices] = await Promise.all([
        this.api.displayImage(imageId, this.displayOptions()),
        this.api.getMask(imageId, this.view.slice, this.view.axis),
        this.view.volume ? this.api.labeledSlices(imageId) : Promise.resolve([]),
      ]);
      // Decoded off the main thread, without a multi-megabyte data: URL.
      const bytes = base64ToBytes(display.data) as Uint8Array<ArrayBuffer>;
      const image = await createImageBitmap(new Blob([bytes], { type: display.mime }));
      if (token !== this.loadToken) return image.close();
      this.map = new LabelMap(mask.width, mask.height, base64ToBytes(mask.data));
      this.mapSlice = this.view.slice;
      this.mapAxis = this.view.axis;
      this.view.labeledSlices = labeledSlices;
      this.revision = mask.revision;
      this.grow.discard();
      this.editor = new LabelEditor(this.map, {
        changed: (rect) => this.stage?.drawLabels(this.map!, this.lut, rect),
        committed: (diff) => {
          this.queueSave(diff.rect);
          this.growAgain();
        },
      });
      this.syncEditorSettings();
      this.imageId = imageId;
      this.overlays.clear();
      this.morphology.viewChanged(sameImage);
      this.stage?.setImage(image);
      this.stage?.setLabels(this.map, this.lut);
      this.overlays.show();
      if (!sameImage) this.volumeEdits.forgetUndo();
      this.volumeEdits.show();
      this.showThreshold();
      if (!sameImage || axis !== previousAxis) {
        this.stage?.fit();
        this.grow.roi.clear();
      }
      this.updateUndo();
      this.version++;
    } finally {
      if (token === this.loadToken) this.loading = false;
    }
  }

  /**
   * Closes the open image (the project changed): stores what is pending first, then forgets its pixels, labels,
   * history and overlays, so nothing of it is shown or painted under another project's classes.
   */
  async close(): Promise<void> {
    // A load still on its way must not reopen an image of the old project.
    const token = ++this.loadToken;
    this.loading = true;
    try {
      await this.flush();
      if (token !== this.loadToken) return;
      this.imageId = null;
      this.grow.discard();
      this.grow.roi.clear();
      this.map = null;
      this.editor = null;
      this.view.reset();
      this.volumeEdits.discard();
      this.volumeEdits.forgetUndo();
      this.overlays.clear();
      this.morphology.discard();
      this.display.reset();
      this.stage?.clear();
      this.updateUndo();
      this.version++;
    } finally {
      if (token === this.loadToken) this.loading = false;
    }
  }

  /** Copies the reactive tool settings into the pure editor before each pointer-down. */
  syncEditorSettings(): void {
    if (!this.editor) return;
    if (this.editor.tool !== this.tool) this.editor.cancel();
    this.editor.tool = this.tool;
    this.editor.brushSize = this.brushSize;
    this.editor.classIndex = this.classIndex;
    this.editor.prediction = this.overlays.prediction?.mask ?? null;
  }

  pointerDown(p: Point): void {
    if (!this.editor || this.loading) return;
    if (this.grow.roi.drawing) return this.grow.roi.pointerDown(p);
    if (this.tool === 'region' && !this.overlays.prediction) return this.onError('Predict first: the region tool takes a connected region of the prediction');
    this.syncEditorSettings();
    if (!this.applyThreshold(this.editor)) return;
    this.editor.pointerDown(p);
    this.afterTool();
  }

  pointerMove(p: Point): void {
    if (!this.editor) return;
    if (this.grow.roi.drawing) return this.grow.roi.pointerMove(p);
    this.editor.pointerMove(p);
    if (this.editor.state === 'polygon') this.stage?.setPolygon(this.editor.polygonPoints);
  }

  pointerUp(p: Point): void {
    if (!this.editor) return;
    if (this.grow.roi.drawing) {
      this.grow.roi.pointerUp(p);
      return this.growAgain();
    }
    this.editor.pointerUp(p);
    this.afterTool();
  }

  closePolygon(): void {
    this.editor?.closePolygon();
    this.afterTool();
  }

  cancel(): void {
    this.editor?.cancel();
    this.afterTool();
  }

  undo(): void {
    this.editor?.undo();
    this.afterTool();
  }

  redo(): void {
    this.editor?.redo();
    this.afterTool();
  }

  /** Whole image, or inside the polygon being drawn when there is one. */
  acceptPrediction(): void {
    const prediction = this.overlays.prediction;
    if (!this.editor || !prediction) return this.onError('Predict first: there is no prediction to accept');
    const points = this.editor.polygonPoints;
    const region = this.editor.state === 'polygon' && points.length >= 3 ? [...points] : undefined;
    this.editor.acceptPrediction(prediction.mask, region);
    this.afterTool();
  }

  /** Redraws the threshold tint for the plane shown now (after a load, or a change of range or band). */
  showThreshold(): void {
    this.threshold.show().catch((e: unknown) => this.onError(e instanceof Error ? e.message : String(e)));
  }

  /**
   * Hands the threshold mask to the brush and the fill; an empty range (min > max) is refused with one message
   * before anything is painted or marked, so the undo history stays as it was.
   */
  private applyThreshold(editor: LabelEditor): boolean {
    try {
      editor.paintable = this.tool === 'brush' || this.tool === 'fill' ? this.threshold.forStroke() : undefined;
      return true;
    } catch (e) {
      this.onError(e instanceof Error ? e.message : String(e));
      return false;
    }
  }

  /** Shift+G on a volume: grows the saved strokes of every slice through it, inside the ROI, as a volume-edit preview. */
  async growVolume(): Promise<void> {
    this.grow.discard();
    await this.volumeEdits.growVolume(this.grow.roi.volumeRoi());
  }

  /** Enter while the grow preview is shown: accepts it as one undo step. */
  acceptGrow(): void {
    if (this.grow.accept()) this.afterTool();
  }

  /** The labels changed under a shown grow preview: grow again; a refusal (one class left) is said once. */
  private growAgain(): void {
    this.grow.labelsChanged().catch((e: unknown) => this.onError(e instanceof Error ? e.message : String(e)));
  }

  /** What is shown now: results computed for it may be laid over it only while it still is. */
  private viewKey(): ViewKey {
    return { imageId: this.imageId, slice: this.view.slice, axis: this.view.axis };
  }

  private polygonBounds(): Rect | null {
    const points = this.editor?.state === 'polygon' ? this.editor.polygonPoints : [];
    if (points.length < 3 || !this.map) return null;
    const x0 = Math.max(0, Math.floor(Math.min(...points.map((p) => p.x))));
    const y0 = Math.max(0, Math.floor(Math.min(...points.map((p) => p.y))));
    const x1 = Math.min(this.map.width, Math.ceil(Math.max(...points.map((p) => p.x))));
    const y1 = Math.min(this.map.height, Math.ceil(Math.max(...points.map((p) => p.y))));
    return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
  }

  /** Shows another slice of the open volume along the current axis (clamped to its ends). */
  async setSlice(slice: number): Promise<void> {
    if (this.imageId === null || !this.view.volume) return;
    const target = this.view.clamped(slice);
    if (target !== this.view.slice || this.loading) await this.load(this.imageId, target, this.view.volume, this.view.axis);
  }

  /** Views the open volume along another axis, at its middle plane. */
  async setAxis(axis: VolumeAxis): Promise<void> {
    if (this.imageId === null || !this.view.volume || axis === this.view.axis) return;
    await this.load(this.imageId, Math.floor(planesAlong(axis, this.view.volume) / 2), this.view.volume, axis);
  }

  /** The nearest labeled slice before (-1) or after (+1) the current one (the volume's own slices only). */
  async jumpToLabeledSlice(direction: 1 | -1): Promise<void> {
    const target = this.view.labeledNeighbour(direction);
    if (target !== null) await this.setSlice(target);
  }

  displayOptions(): DisplayImageOptions {
    return { ...this.display.options(), ...this.view.options() };
  }

  /** Renders the open image with the display choice; an image opened meanwhile is left alone. */
  private async renderDisplay(): Promise<void> {
    const imageId = this.imageId;
    if (imageId === null) return;
    const token = this.loadToken;
    const display = await this.api.displayImage(imageId, this.displayOptions());
    const image = await createImageBitmap(new Blob([base64ToBytes(display.data) as Uint8Array<ArrayBuffer>], { type: display.mime }));
    if (token !== this.loadToken) image.close();
    else this.stage?.setImage(image);
  }

  applyLabelAppearance(): void {
    this.stage?.setLabelAppearance(this.opacity, this.labelsVisible);
  }

  /** Waits until every finished stroke is stored. */
  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    while (this.pending.length > 0 || this.saving) {
      if (this.saving) await this.saving;
      else await this.saveNow();
    }
  }

  /** Lays the stored labels over `map` after a merged save, unless newer strokes wait to be saved (their save merges again). */
  private async mergeStoredLabels(map: LabelMap, imageId: number, slice: number, axis: VolumeAxis): Promise<void> {
    const stored = await this.api.getMask(imageId, slice, axis);
    if (this.map !== map || this.pending.length > 0) return;
    map.data.set(base64ToBytes(stored.data));
    this.revision = stored.revision;
    this.stage?.setLabels(map, this.lut);
    this.version++;
  }

  private afterTool(): void {
    this.stage?.setPolygon(this.editor?.state === 'polygon' ? this.editor.polygonPoints : []);
    this.updateUndo();
  }

  private updateUndo(): void {
    this.canUndo = this.editor?.history.canUndo ?? false;
    this.canRedo = this.editor?.history.canRedo ?? false;
  }

  private queueSave(rect: Rect): void {
    this.volumeEdits.forgetUndo();
    this.pending.push(rect);
    this.saveState = 'unsaved';
    this.version++;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.saveNow(), SAVE_DELAY_MS);
  }

  /** Sends the pending rectangles as patches of the map as it is now; one request at a time. */
  private async saveNow(): Promise<void> {
    if (this.saving || this.pending.length === 0 || !this.map || this.imageId === null) return;
    const map = this.map;
    const imageId = this.imageId;
    const slice = this.mapSlice;
    const axis = this.mapAxis;
    // Patches are read from the map as it is now, so overlapping rectangles agree on their shared pixels.
    const rects = this.pending.splice(0);
    this.saveState = 'saving';
    let failed = false;
    this.saving = (async () => {
      try {
        const { revision, merged } = await this.api.saveMaskPatches(imageId, this.revision, rects.map((r) => patchFromMap(map, r)), slice, axis);
        if (this.map === map) this.revision = revision;
        // Another window saved strokes meanwhile: both are kept in the store; show them here too.
        if (merged && this.map === map) await this.mergeStoredLabels(map, imageId, slice, axis);
        if (this.view.volume && imageId === this.imageId) {
          if (axis !== 2) this.view.labeledSlices = await this.api.labeledSlices(imageId);
          else this.view.markLabeled(slice);
        }
        this.saveState = this.pending.length > 0 ? 'unsaved' : 'saved';
        this.onSaved(imageId);
      } catch (e) {
        if (e instanceof StaleRevisionError) {
          // A whole-mask change made on a copy another window has changed since: the core refused it, so it is
          // dropped here too, and the labels as stored (with the other window's strokes) are shown.
          this.saveState = 'saved';
          this.onError(`Labels changed in another window, so this change was not saved: ${e.message}. The current labels are shown now.`);
          if (this.map === map) {
            this.pending = [];
            void this.load(imageId, slice, this.view.volume, axis);
          }
          return;
        }
        failed = true;
        if (this.map === map) this.pending.unshift(...rects);
        this.saveState = 'error';
        this.onError(`Labels not saved yet (${e instanceof Error ? e.message : String(e)}); retrying`);
        clearTimeout(this.saveTimer);
        this.saveTimer = setTimeout(() => void this.saveNow(), 2000);
      } finally {
        this.saving = null;
      }
    })();
    await this.saving;
    if (this.pending.length > 0 && !failed) await this.saveNow();
  }
}

