// Undo as recorded diffs with marks. A mark opens a stroke; every change inside it first reports the
// rectangle it is about to touch, and the history keeps the "before" pixels of the stroke's bounding box
// only. So one stroke is one undo item whose memory grows with the stroke, never with the image.
import type { LabelMap } from './label-map.ts';
import { contains, isEmpty, union, type Rect } from './rect.ts';

export interface LabelDiff {
  rect: Rect;
  before: Uint8Array;
  after: Uint8Array;
}

interface Pending {
  rect: Rect | null;
  before: Uint8Array | null;
}

export class LabelHistory {
  private readonly undoStack: LabelDiff[] = [];
  private readonly redoStack: LabelDiff[] = [];
  private pending: Pending | null = null;

  /** `maxBytes` bounds the memory of the undo stack; the oldest items are dropped first. */
  constructor(private readonly map: LabelMap, private readonly maxBytes = 256 * 1024 * 1024) {}

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  get inStroke(): boolean {
    return this.pending !== null;
  }

  /** Bytes held by undo and redo items. */
  get bytes(): number {
    let total = 0;
    for (const d of this.undoStack) total += d.before.length + d.after.length;
    for (const d of this.redoStack) total += d.before.length + d.after.length;
    return total;
  }

  /** Opens a stroke: everything until commit() or cancel() is one undo item. */
  mark(): void {
    if (this.pending) throw new Error('a stroke is already open; commit or cancel it first');
    this.pending = { rect: null, before: null };
  }

  /** Must be called before pixels inside `r` change during an open stroke. */
  willChange(r: Rect): void {
    const p = this.pending;
    if (!p) throw new Error('willChange outside a stroke; call mark() first');
    const clipped = this.map.clip(r);
    if (isEmpty(clipped) || (p.rect && contains(p.rect, clipped))) return;
    // Grow with slack (half the current size each way) so a long stroke reallocates a logarithmic number of
    // times instead of once per pointer event; commit() trims the diff back to the changed pixels.
    const wanted = union(p.rect, clipped);
    const slackX = p.rect ? Math.ceil(wanted.width / 2) : 0;
    const slackY = p.rect ? Math.ceil(wanted.height / 2) : 0;
    const grown = this.map.clip({ x: wanted.x - slackX, y: wanted.y - slackY, width: wanted.width + 2 * slackX, height: wanted.height + 2 * slackY });
    // Pixels outside the old rectangle are untouched by this stroke, so the map still holds their "before".
    const before = this.map.read(grown);
    if (p.rect && p.before) {
      for (let row = 0; row < p.rect.height; row++) {
        const dst = (p.rect.y - grown.y + row) * grown.width + (p.rect.x - grown.x);
        before.set(p.before.subarray(row * p.rect.width, (row + 1) * p.rect.width), dst);
      }
    }
    p.rect = grown;
    p.before = before;
  }

  /** Closes the stroke. Returns the diff trimmed to the pixels that really changed, or null if none did. */
  commit(): LabelDiff | null {
    const p = this.pending;
    this.pending = null;
    if (!p || !p.rect || !p.before) return null;
    const diff = trimDiff(p.rect, p.before, this.map.read(p.rect));
    if (!diff) return null;
    this.undoStack.push(diff);
    this.redoStack.length = 0;
    this.enforceLimit();
    return diff;
  }

  /** Abandons the open stroke and puts its pixels back as they were at the mark. Returns the restored rectangle. */
  cancel(): Rect | null {
    const p = this.pending;
    this.pending = null;
    if (!p || !p.rect || !p.before) return null;
    this.map.write(p.rect, p.before);
    return p.rect;
  }

  /** Reverts the newest stroke; returns it (its rect is what to redraw and save). */
  undo(): LabelDiff | null {
    if (this.pending) this.cancel();
    const diff = this.undoStack.pop();
    if (!diff) return null;
    this.map.write(diff.rect, diff.before);
    this.redoStack.push(diff);
    return diff;
  }

  redo(): LabelDiff | null {
    if (this.pending) this.cancel();
    const diff = this.redoStack.pop();
    if (!diff) return null;
    this.map.write(diff.rect, diff.after);
    this.undoStack.push(diff);
    return diff;
  }

  private enforceLimit(): void {
    let total = this.bytes;
    while (total > this.maxBytes && this.undoStack.length > 1) {
      const dropped = this.undoStack.shift()!;
      total -= dropped.before.length + dropped.after.length;
    }
  }
}

/** Shrinks a diff to the bounding box of the pixels where before and after differ. */
function trimDiff(rect: Rect, before: Uint8Array, after: Uint8Array): LabelDiff | null {
  let minX = Infinity, minY = Infinity, maxX = -1, maxY = -1;
  for (let row = 0; row < rect.height; row++) {
    const base = row * rect.width;
    for (let col = 0; col < rect.width; col++) {
      if (before[base + col] !== after[base + col]) {
        if (col < minX) minX = col;
        if (col > maxX) maxX = col;
        if (row < minY) minY = row;
        maxY = row;
      }
    }
  }
  if (maxX < 0) return null;
  const trimmed: Rect = { x: rect.x + minX, y: rect.y + minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  if (trimmed.width === rect.width && trimmed.height === rect.height) return { rect, before, after };
  return { rect: trimmed, before: crop(rect, before, trimmed), after: crop(rect, after, trimmed) };
}

function crop(rect: Rect, pixels: Uint8Array, inner: Rect): Uint8Array {
  const out = new Uint8Array(inner.width * inner.height);
  for (let row = 0; row < inner.height; row++) {
    const start = (inner.y - rect.y + row) * rect.width + (inner.x - rect.x);
    out.set(pixels.subarray(start, start + inner.width), row * inner.width);
  }
  return out;
}
