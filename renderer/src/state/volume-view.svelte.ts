// Which plane of the open image is shown: for a volume, a slice along one of its axes (the core reslices coronal
// and sagittal planes), and which of its own slices have labels, for the slice bar's marks; for a plain image,
// its one plane.
import type { VolumeAxis } from '../../../src/api/types.ts';

export interface VolumeDims {
  width: number;
  height: number;
  slices: number;
}

/** Planes of a volume along an axis: its slices (2), rows (1) or columns (0), as the core reslices them. */
export function planesAlong(axis: VolumeAxis, volume: VolumeDims): number {
  return axis === 2 ? volume.slices : axis === 1 ? volume.height : volume.width;
}

export class VolumeView {
  /** The plane shown and painted, of `slices` along `axis` (volumes); 0 of 1 for plain images. */
  slice = $state(0);
  slices = $state(1);
  /** 2: the volume's own slices; 1 and 0: planes across them (coronal, sagittal), assembled by the core. */
  axis = $state<VolumeAxis>(2);
  /** Slices of the open volume that have labels, ascending. */
  labeledSlices = $state.raw<number[]>([]);
  /** width × height × slices of the open volume (null for plain images). */
  volume: VolumeDims | null = null;

  /** Points the view at an image: a volume's plane along `axis` (clamped to its ends), or a plain image's one plane. */
  open(volume: VolumeDims | null, axis: VolumeAxis, slice: number): void {
    this.volume = volume && volume.slices > 1 ? volume : null;
    this.axis = this.volume ? axis : 2;
    this.slices = this.volume ? planesAlong(this.axis, this.volume) : 1;
    this.slice = this.clamped(slice);
  }

  reset(): void {
    this.open(null, 2, 0);
    this.labeledSlices = [];
  }

  clamped(slice: number): number {
    return Math.min(Math.max(0, Math.round(slice)), this.slices - 1);
  }

  /** The plane as displayImage options (none for plain images). */
  options(): { slice?: number; axis?: VolumeAxis } {
    return this.volume ? { slice: this.slice, axis: this.axis } : {};
  }

  /** The nearest labeled slice before (-1) or after (+1) the shown one, on the volume's own slices; null if none. */
  labeledNeighbour(direction: 1 | -1): number | null {
    if (this.axis !== 2) return null;
    const candidates = this.labeledSlices.filter((s) => (direction > 0 ? s > this.slice : s < this.slice));
    return candidates.length === 0 ? null : direction > 0 ? Math.min(...candidates) : Math.max(...candidates);
  }

  markLabeled(slice: number): void {
    if (!this.labeledSlices.includes(slice)) this.labeledSlices = [...this.labeledSlices, slice].sort((a, b) => a - b);
  }
}
