// What the network sees, for the features view: the first convolution's learnt filters or one stage's feature
// maps for the open slice, as a grid of grayscale cells. Only the newest request's grid is kept.
import type { CamStage } from '../../../src/api/service.ts';
import { base64ToBytes } from '../../../src/labels/index.ts';
import type { ApiClient } from '../api-client/index.ts';

/** The choice that asks for the filters rather than a layer's maps. */
export const FILTERS = '';

export interface FeatureGrid {
  width: number;
  height: number;
  data: Uint8Array;
  /** e.g. "16 of 32 channels of enc2_relu2". */
  caption: string;
}

export class FeaturesState {
  /** FILTERS or a layer name. */
  choice = $state(FILTERS);
  stages = $state.raw<CamStage[]>([]);
  busy = $state(false);
  grid = $state.raw<FeatureGrid | null>(null);
  private stagesOf: number | null = null;
  private request = 0;

  constructor(private readonly api: ApiClient) {}

  /** Loads the model's stages the first time it is asked about. */
  async loadStages(modelId: number): Promise<void> {
    if (this.stagesOf === modelId) return;
    this.stages = (await this.api.camLayers(modelId)).stages;
    this.stagesOf = modelId;
    if (this.choice !== FILTERS && !this.stages.some((s) => s.layer === this.choice)) this.choice = FILTERS;
  }

  async show(modelId: number, imageId: number, slice: number): Promise<void> {
    const request = ++this.request;
    this.busy = true;
    try {
      const payload = await this.api.features({ modelId, imageId, slice, ...(this.choice === FILTERS ? {} : { layer: this.choice }) });
      if (request !== this.request) return;
      const what = this.choice === FILTERS ? 'filters' : 'channels';
      this.grid = { width: payload.width, height: payload.height, data: base64ToBytes(payload.grid), caption: `${payload.shown} of ${payload.channels} ${what} of ${payload.layer}` };
    } finally {
      if (request === this.request) this.busy = false;
    }
  }

  clear(): void {
    this.request++;
    this.grid = null;
    this.busy = false;
  }
}
