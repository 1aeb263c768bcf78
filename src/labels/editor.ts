// The labeling tools as small state machines over a LabelMap, driven by pointer events in image coordinates.
// Tools never write undo code: each opens a mark, reports what it will touch, and commits or cancels.
import { UNLABELED } from '../api/types.ts';
import { paintSegment, segmentBounds, type Point } from './brush.ts';
import { floodFill, type ImageSimilarity } from './fill.ts';
import { LabelHistory, type LabelDiff } from './history.ts';
import type { LabelMap } from './label-map.ts';
import { fillPolygon, polygonBounds } from './polygon.ts';
import { acceptPrediction, predictionBounds } from './prediction.ts';
import type { Rect } from './rect.ts';

/** The labeling modes, as napari names them. */
export const TOOLS = ['brush', 'eraser', 'fill', 'polygon'] as const;
export type ToolName = (typeof TOOLS)[number];

/** idle: waiting; painting: a brush or eraser button is down; polygon: vertices are being collected. */
export type EditorState = 'idle' | 'painting' | 'polygon';

export interface EditorListener {
  /** Pixels inside rect changed: redraw them. */
  changed?(rect: Rect): void;
  /** A finished stroke, an undo or a redo: persist diff.rect. */
  committed?(diff: LabelDiff, cause: 'stroke' | 'undo' | 'redo'): void;
}

export class LabelEditor {
  tool: ToolName = 'brush';
  /** Brush diameter in image pixels. */
  brushSize = 10;
  classIndex = 0;
  /** When set, flood fill also stops where the image changes by more than its tolerance. */
  fillSimilarity: ImageSimilarity | undefined;
  readonly history: LabelHistory;

  private currentState: EditorState = 'idle';
  private last: Point | null = null;
  private points: Point[] = [];
  private pressed = false;
  private dragged = false;

  constructor(readonly map: LabelMap, private readonly listener: EditorListener = {}) {
    this.history = new LabelHistory(map);
  }

  get state(): EditorState {
    return this.currentState;
  }

  /** Vertices of the polygon or lasso being drawn (for the preview). */
  get polygonPoints(): readonly Point[] {
    return this.points;
  }

  pointerDown(p: Point): void {
    switch (this.tool) {
      case 'brush':
      case 'eraser':
        if (this.currentState === 'painting') this.finishStroke();
        this.history.mark();
        this.currentState = 'painting';
        this.last = p;
        this.paint(p, p);
        return;
      case 'fill':
        this.fill(p);
        return;
      case 'polygon':
        if (this.currentState !== 'polygon') {
          this.currentState = 'polygon';
          this.points = [];
        }
        this.points.push(p);
        this.pressed = true;
        this.dragged = false;
        return;
    }
  }

  pointerMove(p: Point): void {
    if (this.currentState === 'painting' && this.last) {
      this.paint(this.last, p);
      this.last = p;
    } else if (this.currentState === 'polygon' && this.pressed) {
      // Dragging with the polygon tool draws a lasso.
      const prev = this.points[this.points.length - 1];
      if (Math.hypot(p.x - prev.x, p.y - prev.y) >= 1) {
        this.points.push(p);
        this.dragged = true;
      }
    }
  }

  pointerUp(p: Point): void {
    if (this.currentState === 'painting') {
      if (this.last && (p.x !== this.last.x || p.y !== this.last.y)) this.paint(this.last, p);
      this.finishStroke();
    } else if (this.currentState === 'polygon') {
      this.pressed = false;
      if (this.dragged) this.closePolygon();
    }
  }

  /** Fills the polygon collected so far (Enter, double-click, or the end of a lasso drag). */
  closePolygon(): void {
    if (this.currentState !== 'polygon') return;
    const points = this.points;
    this.points = [];
    this.currentState = 'idle';
    this.pressed = false;
    if (points.length < 3) return;
    this.history.mark();
    this.history.willChange(polygonBounds(this.map, points));
    const rect = fillPolygon(this.map, points, this.classIndex);
    this.listener.changed?.(rect);
    this.finishMark('stroke');
  }

  /** Escape: back to the mark, dropping the stroke or polygon in progress. */
  cancel(): void {
    if (this.currentState === 'painting') {
      const rect = this.history.cancel();
      if (rect) this.listener.changed?.(rect);
    }
    this.points = [];
    this.pressed = false;
    this.last = null;
    this.currentState = 'idle';
  }

  undo(): LabelDiff | null {
    this.cancel();
    const diff = this.history.undo();
    if (diff) this.announce(diff, 'undo');
    return diff;
  }

  redo(): LabelDiff | null {
    this.cancel();
    const diff = this.history.redo();
    if (diff) this.announce(diff, 'redo');
    return diff;
  }

  /** Takes the predicted classes as labels, everywhere or inside a polygon; one undo item. */
  acceptPrediction(prediction: Uint8Array, region?: Point[]): LabelDiff | null {
    this.cancel();
    this.history.mark();
    this.history.willChange(predictionBounds(this.map, region));
    const rect = acceptPrediction(this.map, prediction, region);
    this.listener.changed?.(rect);
    return this.finishMark('stroke');
  }

  /**
   * Writes a whole computed plane (`values`, the map's size; only the pixels inside `rect` when given) as one undo
   * item: what a tool that computes its result for the open plane applies when accepted.
   */
  applyPlane(values: Uint8Array, rect?: Rect): LabelDiff | null {
    if (values.length !== this.map.data.length) throw new RangeError(`plane has ${values.length} values, the label map ${this.map.data.length}`);
    this.cancel();
    this.history.mark();
    const area = this.map.clip(rect ?? this.map.bounds);
    this.history.willChange(area);
    for (let y = area.y; y < area.y + area.height; y++) {
      const start = y * this.map.width + area.x;
      this.map.data.set(values.subarray(start, start + area.width), start);
    }
    this.listener.changed?.(area);
    return this.finishMark('stroke');
  }

  private paint(from: Point, to: Point): void {
    const value = this.tool === 'eraser' ? UNLABELED : this.classIndex;
    this.history.willChange(segmentBounds(this.map, from, to, this.brushSize));
    const rect = paintSegment(this.map, from, to, this.brushSize, value);
    this.listener.changed?.(rect);
  }

  private fill(p: Point): void {
    this.history.mark();
    // The filled region is only known afterwards; the history trims the diff to what changed.
    this.history.willChange(this.map.bounds);
    const rect = floodFill(this.map, p.x, p.y, this.classIndex, this.fillSimilarity);
    if (rect) this.listener.changed?.(rect);
    this.finishMark('stroke');
  }

  private finishStroke(): void {
    this.currentState = 'idle';
    this.last = null;
    this.finishMark('stroke');
  }

  private finishMark(cause: 'stroke'): LabelDiff | null {
    const diff = this.history.commit();
    if (diff) this.announce(diff, cause);
    return diff;
  }

  private announce(diff: LabelDiff, cause: 'stroke' | 'undo' | 'redo'): void {
    this.listener.changed?.(diff.rect);
    this.listener.committed?.(diff, cause);
  }
}
