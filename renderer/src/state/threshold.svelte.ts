// Threshold painting: the range, preset and band the user picks, the open plane's raw values from the core
// (intensityPlane: Hounsfield units, not the windowed display image), and the "paintable" mask the brush and the
// fill obey, shown as a live tint. The range rule itself is src/labels/intensity-range.ts.
import type { VolumeAxis } from '../../../src/api/types.ts';
import { base64ToBytes, checkedRange, HU_PRESETS, inRange, paintableMask, type HuPreset, type IntensityRange } from '../../../src/labels/index.ts';
import type { ApiClient } from '../api-client/index.ts';
import type { LabelStage } from '../canvas/stage.ts';

export const PRESET_NAMES = Object.keys(HU_PRESETS) as HuPreset[];

/**
 * Longest side of the tint: a larger plane is tinted from every k-th pixel, since the tint is only seen, so a 4096²
 * band follows the range as fast as a 2048² one. The mask the brush and the fill obey is always exact.
 */
const TINT_MAX_SIDE = 2048;

interface PlaneKey {
  imageId: number | null;
  slice: number;
  axis: VolumeAxis;
}

interface Plane {
  key: string;
  values: Float32Array;
  width: number;
  height: number;
}

export class ThresholdState {
  on = $state(false);
  min = $state<number>(HU_PRESETS.bone.min);
  max = $state<number>(HU_PRESETS.bone.max);
  band = $state(0);
  /** The shown plane's values are being read from the core: strokes wait for them. */
  reading = $state(false);
  /** The open plane's smallest and largest value in the band, once read. */
  span = $state<{ min: number | null; max: number | null } | null>(null);
  /** The preset whose range is set now, else 'custom'. */
  readonly preset = $derived<HuPreset | 'custom'>(PRESET_NAMES.find((n) => HU_PRESETS[n].min === this.min && HU_PRESETS[n].max === this.max) ?? 'custom');
  readonly valid = $derived(Number.isFinite(this.min) && Number.isFinite(this.max) && this.min <= this.max);

  /** 1 where the open plane is inside `paintableFor`'s range; made for the first stroke after a change. */
  private paintable: Uint8Array | null = null;
  private paintableFor = '';
  private plane: Plane | null = null;
  private loading: Promise<void> | null = null;
  private loadingKey = '';
  /**
   * Images without Hounsfield units: the first plane read of this image sets the range to its span, unless the
   * user has set a range meanwhile (the range is no longer the one it had at the reset).
   */
  private fit: { imageId: number | null; min: number; max: number } | null = null;

  constructor(private readonly api: ApiClient, private readonly hooks: { stage: () => LabelStage | null; view: () => PlaneKey }) {}

  /** A new image: scans start at the bone preset, other rasters at their first band's full span. */
  reset(imageId: number | null, hounsfield: boolean): void {
    this.band = 0;
    this.span = null;
    this.fit = hounsfield ? null : { imageId, min: this.min, max: this.max };
    if (hounsfield) this.setPreset('bone');
  }

  setPreset(name: HuPreset): void {
    this.min = HU_PRESETS[name].min;
    this.max = HU_PRESETS[name].max;
  }

  /**
   * The paintable mask for a brush or fill stroke now: undefined when threshold mode is off; a UserError naming
   * both values when the range is empty.
   */
  forStroke(): Uint8Array | undefined {
    if (!this.on) return undefined;
    const range = checkedRange(this.min, this.max);
    // Never the plane of the slice or band shown before: its values would decide where this stroke paints.
    if (!this.plane || this.plane.key !== this.viewKey()) {
      throw new Error("Threshold painting: this plane's values are still being read; paint again in a moment");
    }
    return this.paintableMask(this.plane, range);
  }

  private paintableMask(plane: Plane, range: IntensityRange): Uint8Array {
    const key = `${plane.key}:${range.min}:${range.max}`;
    if (this.paintable && this.paintableFor === key) return this.paintable;
    // Reuses the buffer: a 4096² band is 16 MB.
    this.paintable = paintableMask(plane.values, range, this.paintable?.length === plane.values.length ? this.paintable : undefined);
    this.paintableFor = key;
    return this.paintable;
  }

  /** Reads the shown plane's values when the view or band changed, then recomputes the mask and its tint. */
  async show(): Promise<void> {
    const stage = this.hooks.stage();
    if (!this.on) return stage?.setThresholdPreview(null, 0);
    await this.ensurePlane();
    const plane = this.plane;
    if (!plane || !this.valid) return stage?.setThresholdPreview(null, 0);
    const range = { min: this.min, max: this.max };
    const step = Math.ceil(Math.max(plane.width, plane.height) / TINT_MAX_SIDE);
    if (step === 1) stage?.setThresholdPreview(this.paintableMask(plane, range), plane.width);
    else stage?.setThresholdPreview(sampledMask(plane, range, step), Math.ceil(plane.width / step), step);
  }

  private viewKey(): string {
    const view = this.hooks.view();
    return `${view.imageId}:${view.slice}:${view.axis}:${this.band}`;
  }

  private async ensurePlane(): Promise<void> {
    const view = this.hooks.view();
    if (view.imageId === null) return void (this.plane = null);
    const key = this.viewKey();
    if (this.plane?.key === key) return;
    if (this.loading && this.loadingKey === key) return this.loading;
    this.loadingKey = key;
    this.loading = (async () => {
      const reply = await this.api.intensityPlane(view.imageId!, { band: this.band, slice: view.slice, axis: view.axis });
      // The newest request wins: a plane for a view left meanwhile is dropped.
      if (this.loadingKey !== key) return;
      const bytes = base64ToBytes(reply.data);
      this.plane = { key, values: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), width: reply.width, height: reply.height };
      this.span = { min: reply.min, max: reply.max };
      const fit = this.fit;
      if (fit?.imageId === view.imageId && reply.min !== null && reply.max !== null) {
        this.fit = null;
        if (fit.min === this.min && fit.max === this.max) [this.min, this.max] = [reply.min, reply.max];
      }
    })();
    this.reading = true;
    try {
      await this.loading;
    } finally {
      if (this.loadingKey === key) {
        this.loading = null;
        this.reading = false;
      }
    }
  }
}

/** The range's mask on every `step`-th pixel of every `step`-th row: the tint of a plane too large to tint whole. */
function sampledMask(plane: Plane, range: IntensityRange, step: number): Uint8Array {
  const width = Math.ceil(plane.width / step);
  const height = Math.ceil(plane.height / step);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * step * plane.width;
    for (let x = 0; x < width; x++) out[y * width + x] = inRange(plane.values[row + x * step]!, range) ? 1 : 0;
  }
  return out;
}
