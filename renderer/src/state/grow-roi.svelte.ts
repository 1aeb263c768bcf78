// The region of interest that limits grow from seeds: a rectangle dragged on the shown plane and, on a volume, a
// range of its planes. States: idle, armed (the next left drag draws the rectangle instead of painting), dragging.
// Without a rectangle the whole plane grows; without a range, every plane.
import type { GrowVolumeRequest } from '../../../src/api/service.ts';
import type { Point, Rect } from '../../../src/labels/index.ts';

export interface GrowRoiContext {
  /** Draws the rectangle over the image, or none. */
  show(rect: Rect | null): void;
  /** The shown plane's size, or null when no image is open. */
  plane(): { width: number; height: number } | null;
}

export class GrowRoi {
  state = $state<'idle' | 'armed' | 'dragging'>('idle');
  /** Image pixels, whole: x and y of the top-left pixel, width and height in pixels. */
  rect = $state.raw<Rect | null>(null);
  /** Planes along the shown axis, numbered from 1 as the slice bar numbers them; null: from the first, to the last. */
  first = $state<number | null>(null);
  last = $state<number | null>(null);
  private anchor: Point | null = null;

  constructor(private readonly context: GrowRoiContext) {}

  /** The ROI button: the next drag draws the rectangle (again: back to painting). */
  toggleArmed(): void {
    this.state = this.state === 'idle' ? 'armed' : 'idle';
  }

  /** Whether pointer events belong to the rectangle rather than the painting tools. */
  get drawing(): boolean {
    return this.state !== 'idle';
  }

  pointerDown(p: Point): void {
    this.anchor = p;
    this.state = 'dragging';
    this.pointerMove(p);
  }

  pointerMove(p: Point): void {
    if (this.state !== 'dragging' || !this.anchor) return;
    this.rect = this.between(this.anchor, p);
    this.context.show(this.rect);
  }

  pointerUp(p: Point): void {
    this.pointerMove(p);
    this.anchor = null;
    this.state = 'idle';
  }

  /** Forgets the rectangle and the planes (another image or axis, or Clear). */
  clear(): void {
    this.state = 'idle';
    this.anchor = null;
    this.rect = null;
    this.first = null;
    this.last = null;
    this.context.show(null);
  }

  /** Draws the rectangle again (after the stage was cleared by a load). */
  show(): void {
    this.context.show(this.rect);
  }

  /** "x, y, width × height", or empty. */
  get text(): string {
    const r = this.rect;
    return r ? `${r.x}, ${r.y}, ${r.width}×${r.height}` : '';
  }

  /** The volume grow's ROI: the rectangle (or the whole plane) and the plane range (from 0), or none at all. */
  volumeRoi(): GrowVolumeRequest['roi'] {
    const plane = this.context.plane();
    if (!plane || (!this.rect && this.first === null && this.last === null)) return undefined;
    const rect = this.rect ?? { x: 0, y: 0, ...plane };
    return { ...rect, ...(this.first !== null ? { first: this.first - 1 } : {}), ...(this.last !== null ? { last: this.last - 1 } : {}) };
  }

  /** The pixels from the anchor's to the pointer's, both included, inside the plane. */
  private between(a: Point, b: Point): Rect | null {
    const plane = this.context.plane();
    if (!plane) return null;
    const clampX = (v: number) => Math.min(plane.width - 1, Math.max(0, Math.floor(v)));
    const clampY = (v: number) => Math.min(plane.height - 1, Math.max(0, Math.floor(v)));
    const x0 = Math.min(clampX(a.x), clampX(b.x));
    const y0 = Math.min(clampY(a.y), clampY(b.y));
    return { x: x0, y: y0, width: Math.max(clampX(a.x), clampX(b.x)) - x0 + 1, height: Math.max(clampY(a.y), clampY(b.y)) - y0 + 1 };
  }
}
