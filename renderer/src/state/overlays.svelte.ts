// What is laid over the labels: the model's prediction (mask, one class's probability, uncertainty), its Grad-CAM,
// the separation weight map training would use for the labels, and every class's probability under the pointer. Results are shown only on the view they were asked for, and a
// slow prediction never replaces a newer one.
import type { AnomalyMapPayload, CamStage, DecodedPrediction, PredictionPayload, WeightMapPayload } from '../../../src/api/service.ts';
import type { VolumeAxis } from '../../../src/api/types.ts';
import { base64ToBytes, type Point, type Rect } from '../../../src/labels/index.ts';
import type { ApiClient } from '../api-client/index.ts';
import type { LabelStage } from '../canvas/stage.ts';
import { colourMapLut } from '../canvas/colors.ts';

export type OverlayKind = 'none' | 'mask' | 'probability' | 'uncertainty' | 'cam' | 'weight-map' | 'anomaly';

/** Which plane is shown: an image, a slice of it, along an axis. */
export interface ViewKey {
  imageId: number | null;
  slice: number;
  axis: VolumeAxis;
}

export interface DecodedCam {
  width: number;
  height: number;
  heatmap: Uint8Array;
  layer: string;
  region: Rect | null;
}

/** What the overlays read from the editor around them. */
export interface OverlayContext {
  stage(): LabelStage | null;
  /** Class colours, for the prediction mask. */
  lut(): Uint32Array;
  /** The view shown now. */
  view(): ViewKey;
  /** The drawn polygon's bounding box, which limits CAM to a region. */
  polygonBounds(): Rect | null;
}

export class OverlayState {
  kind = $state<OverlayKind>('none');
  /** The class whose probability (or CAM) is shown. */
  classIndex = $state(1);
  opacity = $state(0.6);
  prediction = $state.raw<DecodedPrediction | null>(null);
  /** Every class's probability at the pixel under the pointer, when there is a prediction. */
  hover = $state.raw<{ x: number; y: number; probabilities: number[] } | null>(null);
  cam = $state.raw<DecodedCam | null>(null);
  /** The model's stages CAM offers, by name. */
  camStages = $state.raw<CamStage[]>([]);
  camLayer = $state('');
  camBusy = $state(false);
  /** The separation weight map of the open slice's labels (no model needed), scaled to 0..255. */
  weightMap = $state.raw<(Omit<WeightMapPayload, 'heatmap'> & { heatmap: Uint8Array }) | null>(null);
  /** The class whose objects the weight map keeps apart. */
  weightMapClass = $state(1);
  /** The open slice's anomaly map by the project's anomaly model (128: the normal scale), and its score. */
  anomaly = $state.raw<(Omit<AnomalyMapPayload, 'heatmap'> & { heatmap: Uint8Array }) | null>(null);
  private camModelId: number | null = null;
  /** Counts prediction requests: a slow answer to an older one never replaces a newer one. */
  private predictRequest = 0;

  constructor(private readonly api: ApiClient, private readonly context: OverlayContext) {}

  /** Forgets every result (another image, slice or axis is shown). */
  clear(): void {
    this.prediction = null;
    this.cam = null;
    this.weightMap = null;
    this.anomaly = null;
    this.hover = null;
    this.kind = 'none';
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
    if (payload && this.kind === 'none') this.kind = 'mask';
    this.show();
  }

  /** The model's prediction of the open slice. Only the newest request is shown, and only on the view it was asked for. */
  async predict(modelId: number): Promise<void> {
    const view = this.context.view();
    if (view.imageId === null) return;
    const request = ++this.predictRequest;
    const payload = await this.api.predict(modelId, view.imageId, view.slice);
    if (request === this.predictRequest && this.showing(view)) this.setPrediction(payload);
  }

  /** Grad-CAM of the overlay class at the chosen layer, inside the polygon's bounding box when one is drawn. */
  async computeCam(modelId: number): Promise<void> {
    const view = this.context.view();
    const imageId = view.imageId;
    if (imageId === null) return;
    this.camBusy = true;
    try {
      if (this.camModelId !== modelId) {
        const { stages, defaultLayer } = await this.api.camLayers(modelId);
        this.camModelId = modelId;
        this.camStages = stages;
        this.camLayer = defaultLayer;
      }
      const region = this.context.polygonBounds();
      const payload = await this.api.cam({ modelId, imageId, slice: view.slice, classIndex: this.classIndex, layer: this.camLayer, ...(region ? { region } : {}) });
      if (!this.showing(view)) return;
      this.cam = { width: payload.width, height: payload.height, heatmap: base64ToBytes(payload.heatmap), layer: payload.layer, region };
      this.show();
    } finally {
      this.camBusy = false;
    }
  }

  /** The weight map of the open slice's saved labels, shown as the overlay. */
  async computeWeightMap(): Promise<void> {
    const view = this.context.view();
    if (view.imageId === null) return;
    const payload = await this.api.weightMap({ imageId: view.imageId, slice: view.slice, foregroundClass: this.weightMapClass });
    if (!this.showing(view)) return;
    this.weightMap = { ...payload, heatmap: base64ToBytes(payload.heatmap) };
    this.kind = 'weight-map';
    this.show();
  }

  /** The anomaly map of the open slice, shown as the overlay. */
  async computeAnomaly(): Promise<void> {
    const view = this.context.view();
    if (view.imageId === null) return;
    const payload = await this.api.anomalyMap({ imageId: view.imageId, slice: view.slice });
    if (!this.showing(view)) return;
    this.anomaly = { ...payload, heatmap: base64ToBytes(payload.heatmap) };
    this.kind = 'anomaly';
    this.show();
  }

  private showing(view: ViewKey): boolean {
    const now = this.context.view();
    return view.imageId === now.imageId && view.slice === now.slice && view.axis === now.axis;
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

  /** Draws the chosen overlay on the stage (or none). */
  show(): void {
    const stage = this.context.stage();
    const p = this.prediction;
    const lut = this.context.lut();
    if (!stage) return;
    if (this.kind === 'cam') {
      return this.cam ? stage.setOverlay(this.cam.heatmap, this.cam.width, colourMapLut(true), this.opacity) : stage.setOverlay(null, 1, lut, 0);
    }
    if (this.kind === 'weight-map') {
      return this.weightMap ? stage.setOverlay(this.weightMap.heatmap, this.weightMap.width, colourMapLut(true), this.opacity) : stage.setOverlay(null, 1, lut, 0);
    }
    if (this.kind === 'anomaly') {
      return this.anomaly ? stage.setOverlay(this.anomaly.heatmap, this.anomaly.width, colourMapLut(true), this.opacity) : stage.setOverlay(null, 1, lut, 0);
    }
    if (!p || this.kind === 'none') return stage.setOverlay(null, 1, lut, 0);
    if (this.kind === 'mask') return stage.setOverlay(p.mask, p.width, lut, this.opacity);
    if (this.kind === 'uncertainty') return stage.setOverlay(p.uncertainty, p.width, colourMapLut(true), this.opacity);
    const plane = Math.min(this.classIndex, p.numClasses - 1) * p.width * p.height;
    stage.setOverlay(p.probabilities.subarray(plane, plane + p.width * p.height), p.width, colourMapLut(true), this.opacity);
  }
}
