// The open image: its label map (typed arrays, never proxied), the tools, undo, autosave and the prediction.
// Reactive fields hold only settings and counters; pixels reach the screen through the stage's dirty rectangles.
import type { DecodedPrediction, DisplayImageOptions, PredictionPayload } from '../../../src/api/service.ts';
import type { ClassDef, VolumeAxis } from '../../../src/api/types.ts';
import { base64ToBytes, LabelEditor, LabelMap, patchFromMap, type Point, type Rect, type ToolName } from '../../../src/labels/index.ts';
import { StaleRevisionError } from '../../../src/api/errors.ts';
import type { ApiClient } from '../api-client/index.ts';
import type { LabelStage } from '../canvas/stage.ts';
import { classLut, colourMapLut } from '../canvas/colors.ts';

export type OverlayKind = 'none' | 'mask' | 'probability' | 'uncertainty' | 'cam';

type Window = NonNullable<DisplayImageOptions['window']>;

export interface DecodedCam {
  width: number;
  height: number;
  heatmap: Uint8Array;
  layer: string;
  region: Rect | null;
}

/** Planes of a volume along an axis: its slices (2), rows (1) or columns (0), as the core reslices them. */
function planesAlong(axis: VolumeAxis, volume: { width: number; height: number; slices: number }): number {
  return axis === 2 ? volume.slices : axis === 1 ? volume.height : volume.width;
}

/** Autosave waits this long for more strokes before sending, well inside the one-second promise. */
const SAVE_DELAY_MS = 150;


export class EditorState {
  tool = $state<ToolName>('brush');
  brushSize = $state(12);
  classIndex = $state(0);
  opacity = $state(0.6);
  labelsVisible = $state(true);
  overlay = $state<OverlayKind>('none');
  overlayClass = $state(1);
  overlayOpacity = $state(0.6);
  canUndo = $state(false);
  canRedo = $state(false);
  saveState = $state<'saved' | 'saving' | 'unsaved' | 'error'>('saved');
  loading = $state(false);
  imageId = $state<number | null>(null);
  /** The slice shown and painted, of `slices` along `axis` (volumes); 0 of 1 for plain images. */
  slice = $state(0);
  slices = $state(1);
  /** 2: the volume's own slices; 1 and 0: planes across them (coronal, sagittal), assembled by the core. */
  axis = $state<VolumeAxis>(2);
  /** width × height × slices of the open volume (null for plain images). */
  private volume: { width: number; height: number; slices: number } | null = null;
  /** Slices of the open volume that have labels, for the slice bar's marks. */
  labeledSlices = $state.raw<number[]>([]);
  /** Counts finished strokes and loads, for views that follow the labels. */
  version = $state(0);
  prediction = $state.raw<DecodedPrediction | null>(null);
  /** Every class's probability at the pixel under the pointer, when there is a prediction. */
  hover = $state.raw<{ x: number; y: number; probabilities: number[] } | null>(null);
  cam = $state.raw<DecodedCam | null>(null);
  camLayers = $state.raw<string[]>([]);
  camLayer = $state('');
  camBusy = $state(false);
  /** How the image is shown: a window (DICOM/CT) and a band choice (multi-band); null means the file's default. */
  displayWindow = $state.raw<Window | null>(null);
  windowName = $state('file');
  bands = $state.raw<number[] | null>(null);
  private camModelId: number | null = null;
  private displayRequest: { token: number; busy: boolean; again: boolean } = { token: 0, busy: false, again: false };

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
  /** Counts prediction requests: a slow answer to an older one never replaces a newer one. */
  private predictRequest = 0;

  constructor(private readonly api: ApiClient, private readonly onSaved: (imageId: number) => void, private readonly onError: (text: string) => void) {}

  attach(stage: LabelStage | null): void {
    this.stage = stage;
  }

  setClasses(classes: ClassDef[]): void {
    this.lut = classLut(classes);
    if (this.map && this.stage) this.stage.setLabels(this.map, this.lut);
    this.showOverlay();
  }

  /**
   * Opens an image (at a slice, for volumes): saves what is pending first, then loads pixels, labels and a fresh
   * history. Moving to another slice of the same image keeps the window, band choice and zoom.
   */
  async load(imageId: number, slice = 0, volume: { width: number; height: number; slices: number } | null = null, axis: VolumeAxis = 2): Promise<void> {
    const token = ++this.loadToken;
    // Loading shows at once, so nobody (person or test) paints on the previous image meanwhile.
    this.loading = true;
    try {
      await this.flush();
      const sameImage = imageId === this.imageId;
      const previousAxis = this.axis;
      if (!sameImage) {
        this.displayWindow = null;
        this.windowName = 'file';
        this.bands = null;
      }
      this.volume = volume && volume.slices > 1 ? volume : null;
      this.axis = this.volume ? axis : 2;
      this.slices = this.volume ? planesAlong(this.axis, this.volume) : 1;
      this.slice = Math.min(Math.max(0, slice), this.slices - 1);
      const [display, mask, labeledSlices] = await Promise.all([
        this.api.displayImage(imageId, this.displayOptions()),
        this.api.getMask(imageId, this.slice, this.axis),
        this.volume ? this.api.labeledSlices(imageId) : Promise.resolve([]),
      ]);
      // Decoded off the main thread, without a multi-megabyte data: URL.
      const bytes = base64ToBytes(display.data) as Uint8Array<ArrayBuffer>;
      const image = await createImageBitmap(new Blob([bytes], { type: display.mime }));
      if (token !== this.loadToken) return image.close();
      this.map = new LabelMap(mask.width, mask.height, base64ToBytes(mask.data));
      this.mapSlice = this.slice;
      this.mapAxis = this.axis;
      this.labeledSlices = labeledSlices;
      this.revision = mask.revision;
      this.editor = new LabelEditor(this.map, {
        changed: (rect) => this.stage?.drawLabels(this.map!, this.lut, rect),
        committed: (diff) => this.queueSave(diff.rect),
      });
      this.syncEditorSettings();
      this.imageId = imageId;
      this.prediction = null;
      this.cam = null;
      this.hover = null;
      this.overlay = 'none';
      this.stage?.setImage(image);
      this.stage?.setLabels(this.map, this.lut);
      this.showOverlay();
      if (!sameImage || axis !== previousAxis) this.stage?.fit();
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
      this.map = null;
      this.editor = null;
      this.volume = null;
      this.axis = 2;
      this.slice = 0;
      this.slices = 1;
      this.labeledSlices = [];
      this.prediction = null;
      this.cam = null;
      this.hover = null;
      this.overlay = 'none';
      this.displayWindow = null;
      this.windowName = 'file';
      this.bands = null;
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
  }

  pointerDown(p: Point): void {
    if (!this.editor || this.loading) return;
    this.syncEditorSettings();
    this.editor.pointerDown(p);
    this.afterTool();
  }

  pointerMove(p: Point): void {
    if (!this.editor) return;
    this.editor.pointerMove(p);
    if (this.editor.state === 'polygon') this.stage?.setPolygon(this.editor.polygonPoints);
  }

  pointerUp(p: Point): void {
    if (!this.editor) return;
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
    if (!this.editor || !this.prediction) return this.onError('Predict first: there is no prediction to accept');
    const points = this.editor.polygonPoints;
    const region = this.editor.state === 'polygon' && points.length >= 3 ? [...points] : undefined;
    this.editor.acceptPrediction(this.prediction.mask, region);
    this.afterTool();
  }

  setPrediction(payload: PredictionPayload | null): void {
    this.prediction = payload && {
      width: payload.width,
      height: payload.height,
      numClasses: payload.numClasses,
      mask: base64ToBytes(payload.mask),
      probabilities: base64ToBytes(payload.probabilities),
      uncertainty: base64ToBytes(payload.uncertainty),
      uncertaintyScore: payload.uncertaintyScore,
    };
    if (payload && this.overlay === 'none') this.overlay = 'mask';
    this.showOverlay();
  }

  /** The model's prediction of the open slice. Only the newest request is shown, and only on the view it was asked for. */
  async predict(modelId: number): Promise<void> {
    const view = this.view();
    if (view.imageId === null) return;
    const request = ++this.predictRequest;
    const payload = await this.api.predict(modelId, view.imageId, view.slice);
    if (request === this.predictRequest && this.showing(view)) this.setPrediction(payload);
  }

  /** Grad-CAM of the overlay class at the chosen layer, inside the polygon's bounding box when one is drawn. */
  async computeCam(modelId: number): Promise<void> {
    const view = this.view();
    const imageId = view.imageId;
    if (imageId === null) return;
    this.camBusy = true;
    try {
      if (this.camModelId !== modelId) {
        const { layers, defaultLayer } = await this.api.camLayers(modelId);
        this.camModelId = modelId;
        this.camLayers = layers;
        this.camLayer = defaultLayer;
      }
      const region = this.polygonBounds();
      const payload = await this.api.cam({ modelId, imageId, slice: view.slice, classIndex: this.overlayClass, layer: this.camLayer, ...(region ? { region } : {}) });
      if (!this.showing(view)) return;
      this.cam = { width: payload.width, height: payload.height, heatmap: base64ToBytes(payload.heatmap), layer: payload.layer, region };
      this.showOverlay();
    } finally {
      this.camBusy = false;
    }
  }

  /** What is shown now: results computed for it may be laid over it only while it still is. */
  private view(): { imageId: number | null; slice: number; axis: VolumeAxis } {
    return { imageId: this.imageId, slice: this.slice, axis: this.axis };
  }

  private showing(view: { imageId: number | null; slice: number; axis: VolumeAxis }): boolean {
    return view.imageId === this.imageId && view.slice === this.slice && view.axis === this.axis;
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

  /** Reads every class's probability under the pointer (image coordinates). */
  hoverAt(p: Point): void {
    const pred = this.prediction;
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    if (!pred || x < 0 || y < 0 || x >= pred.width || y >= pred.height) {
      if (this.hover) this.hover = null;
      return;
    }
    if (this.hover && this.hover.x === x && this.hover.y === y) return;
    const plane = pred.width * pred.height;
    const at = y * pred.width + x;
    const probabilities = Array.from({ length: pred.numClasses }, (_, k) => pred.probabilities[k * plane + at] / 255);
    this.hover = { x, y, probabilities };
  }

  /** Shows another slice of the open volume along the current axis (clamped to its ends). */
  async setSlice(slice: number): Promise<void> {
    if (this.imageId === null || !this.volume) return;
    const target = Math.min(Math.max(0, Math.round(slice)), this.slices - 1);
    if (target !== this.slice || this.loading) await this.load(this.imageId, target, this.volume, this.axis);
  }

  /** Views the open volume along another axis, at its middle plane. */
  async setAxis(axis: VolumeAxis): Promise<void> {
    if (this.imageId === null || !this.volume || axis === this.axis) return;
    await this.load(this.imageId, Math.floor(planesAlong(axis, this.volume) / 2), this.volume, axis);
  }

  /** The nearest labeled slice before (-1) or after (+1) the current one (the volume's own slices only). */
  async jumpToLabeledSlice(direction: 1 | -1): Promise<void> {
    if (this.axis !== 2) return;
    const candidates = this.labeledSlices.filter((s) => (direction > 0 ? s > this.slice : s < this.slice));
    if (candidates.length > 0) await this.setSlice(direction > 0 ? Math.min(...candidates) : Math.max(...candidates));
  }

  displayOptions(): DisplayImageOptions {
    return {
      ...(this.displayWindow ? { window: this.displayWindow } : {}),
      ...(this.bands ? { bands: this.bands } : {}),
      ...(this.volume ? { slice: this.slice, axis: this.axis } : {}),
    };
  }

  /** Shows the open image with another window or band choice; while one render is on its way, only the latest waits. */
  async setDisplay(window: Window | null, windowName: string, bands: number[] | null = this.bands): Promise<void> {
    this.displayWindow = window && { center: Math.round(window.center), width: Math.max(1, Math.round(window.width)) };
    this.windowName = windowName;
    this.bands = bands;
    const request = this.displayRequest;
    if (request.busy) {
      request.again = true;
      return;
    }
    request.busy = true;
    try {
      do {
        request.again = false;
        const imageId = this.imageId;
        if (imageId === null) return;
        const token = this.loadToken;
        const display = await this.api.displayImage(imageId, this.displayOptions());
        const image = await createImageBitmap(new Blob([base64ToBytes(display.data) as Uint8Array<ArrayBuffer>], { type: display.mime }));
        if (token !== this.loadToken) image.close();
        else this.stage?.setImage(image);
      } while (request.again);
    } finally {
      request.busy = false;
    }
  }

  showOverlay(): void {
    const p = this.prediction;
    if (!this.stage) return;
    if (this.overlay === 'cam') {
      return this.cam ? this.stage.setOverlay(this.cam.heatmap, this.cam.width, colourMapLut(true), this.overlayOpacity) : this.stage.setOverlay(null, 1, this.lut, 0);
    }
    if (!p || this.overlay === 'none') return this.stage.setOverlay(null, 1, this.lut, 0);
    if (this.overlay === 'mask') return this.stage.setOverlay(p.mask, p.width, this.lut, this.overlayOpacity);
    if (this.overlay === 'uncertainty') return this.stage.setOverlay(p.uncertainty, p.width, colourMapLut(true), this.overlayOpacity);
    const plane = Math.min(this.overlayClass, p.numClasses - 1) * p.width * p.height;
    this.stage.setOverlay(p.probabilities.subarray(plane, plane + p.width * p.height), p.width, colourMapLut(true), this.overlayOpacity);
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
        if (this.volume && imageId === this.imageId) {
          if (axis !== 2) this.labeledSlices = await this.api.labeledSlices(imageId);
          else if (!this.labeledSlices.includes(slice)) this.labeledSlices = [...this.labeledSlices, slice].sort((a, b) => a - b);
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
            void this.load(imageId, slice, this.volume, axis);
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

