// The editor's drawing surface: Konva layers for the image, the labels and the overlays, with zoom and pan.
// Pixels stay in typed arrays elsewhere; this only turns dirty rectangles of them into canvas pixels.
import Konva from 'konva';
import { intersect, type LabelMap, type Point, type Rect } from '../../../src/labels/index.ts';

/** Threshold preview colours by paintable value: 0 clear, 1 a semi-transparent cyan no class palette starts with. */
const THRESHOLD_TINT = (() => {
  const lut = new Uint32Array(256);
  // ABGR in little-endian memory: alpha 0x66 (40 %), blue 0xff, green 0xe5, red 0x00.
  lut[1] = 0x66ffe500;
  return lut;
})();

/** Side of a label tile in image pixels. */
const TILE = 512;

interface LabelTile {
  canvas: HTMLCanvasElement;
  rect: Rect;
}

export class LabelStage {
  readonly stage: Konva.Stage;
  private readonly imageLayer = new Konva.Layer({ listening: false, imageSmoothingEnabled: false });
  private readonly labelLayer = new Konva.Layer({ listening: false, imageSmoothingEnabled: false });
  private readonly overlayLayer = new Konva.Layer({ listening: false, imageSmoothingEnabled: false });
  /** A tool's result before it is accepted: hatched, so it never reads as saved labels. */
  private readonly previewLayer = new Konva.Layer({ listening: false, imageSmoothingEnabled: false, opacity: 0.8 });
  private readonly previewNode = new Konva.Image({ image: undefined, x: 0, y: 0 });
  private readonly toolLayer = new Konva.Layer({ listening: false });
  /** Threshold painting's live preview: the in-range pixels, tinted over everything else. */
  private readonly thresholdLayer = new Konva.Layer({ listening: false, imageSmoothingEnabled: false });
  private readonly thresholdNode = new Konva.Image({ image: undefined, x: 0, y: 0 });
  private readonly imageNode = new Konva.Image({ image: undefined, x: 0, y: 0 });
  private readonly overlayNode = new Konva.Image({ image: undefined, x: 0, y: 0 });
  private readonly polygonNode = new Konva.Line({ points: [], stroke: '#ffeb3b', strokeWidth: 1, dash: [4, 3], closed: false });
  private readonly cursorNode = new Konva.Circle({ radius: 5, stroke: '#ffffff', strokeWidth: 1, visible: false });
  /** Grow from seeds' region of interest. */
  private readonly roiNode = new Konva.Rect({ stroke: '#00e5ff', strokeWidth: 1, dash: [6, 3], visible: false });
  private labelTiles: LabelTile[] = [];
  private imageWidth = 0;
  private imageHeight = 0;

  constructor(container: HTMLDivElement) {
    this.stage = new Konva.Stage({ container, width: container.clientWidth || 800, height: container.clientHeight || 600 });
    this.imageLayer.add(this.imageNode);
    this.overlayLayer.add(this.overlayNode);
    this.previewLayer.add(this.previewNode);
    this.toolLayer.add(this.polygonNode, this.cursorNode, this.roiNode);
    this.thresholdLayer.add(this.thresholdNode);
    this.stage.add(this.imageLayer, this.labelLayer, this.overlayLayer, this.previewLayer, this.toolLayer, this.thresholdLayer);
  }

  get scale(): number {
    return this.stage.scaleX();
  }

  resize(width: number, height: number): void {
    this.stage.size({ width, height });
  }

  setImage(image: ImageBitmap): void {
    // A 4096² bitmap holds 64 MB: let the previous one go at once rather than at garbage collection.
    const previous = this.imageNode.image();
    if (previous instanceof ImageBitmap && previous !== image) previous.close();
    this.imageWidth = image.width;
    this.imageHeight = image.height;
    this.imageNode.image(image);
    this.imageLayer.batchDraw();
  }

  /** Shows nothing, as when no image is open: no pixels, labels, overlay or polygon of the last one remain. */
  clear(): void {
    const previous = this.imageNode.image();
    if (previous instanceof ImageBitmap) previous.close();
    this.imageNode.image(undefined);
    this.imageWidth = 0;
    this.imageHeight = 0;
    this.labelLayer.destroyChildren();
    this.labelTiles = [];
    this.overlayNode.visible(false);
    this.previewNode.visible(false);
    this.thresholdNode.visible(false);
    this.polygonNode.points([]);
    this.stage.batchDraw();
  }

  /** Recolours the whole label map (after loading, or when class colours change). */
  setLabels(map: LabelMap, lut: Uint32Array): void {
    // Tiles, not one big canvas: the browser snapshots a canvas it draws from after each change, and a
    // 4096² snapshot per pointer event would cost more than the frame. A stroke touches a few small tiles.
    this.labelLayer.destroyChildren();
    this.labelTiles = [];
    for (let y = 0; y < map.height; y += TILE) {
      for (let x = 0; x < map.width; x += TILE) {
        const canvas = document.createElement('canvas');
        canvas.width = Math.min(TILE, map.width - x);
        canvas.height = Math.min(TILE, map.height - y);
        this.labelLayer.add(new Konva.Image({ image: canvas, x, y, listening: false }));
        this.labelTiles.push({ canvas, rect: { x, y, width: canvas.width, height: canvas.height } });
      }
    }
    // A new canvas is transparent, which is what unlabeled pixels look like: colour only the labeled box.
    const labeled = map.labeledBounds();
    if (labeled) this.drawLabels(map, lut, labeled);
    else this.labelLayer.batchDraw();
  }

  /** Repaints only the dirty rectangle of the label tiles, then schedules one redraw of the label layer. */
  drawLabels(map: LabelMap, lut: Uint32Array, rect: Rect): void {
    if (rect.width <= 0 || rect.height <= 0) return;
    for (const tile of this.labelTiles) {
      const part = intersect(tile.rect, rect);
      if (part.width <= 0 || part.height <= 0) continue;
      putIndexed(tile.canvas.getContext('2d')!, map.data, map.width, part, lut, tile.rect.x, tile.rect.y);
    }
    this.labelLayer.batchDraw();
  }

  setLabelAppearance(opacity: number, visible: boolean): void {
    this.labelLayer.opacity(opacity);
    this.labelLayer.visible(visible);
    this.labelLayer.batchDraw();
  }

  /** Shows a per-pixel byte raster through a colour lookup (prediction mask, probability, uncertainty), or nothing. */
  setOverlay(values: Uint8Array | null, width: number, lut: Uint32Array, opacity: number): void {
    if (!values) {
      this.overlayNode.visible(false);
      this.overlayLayer.batchDraw();
      return;
    }
    drawRaster(this.overlayNode, values, width, lut);
    this.overlayNode.visible(true);
    this.overlayLayer.opacity(opacity);
    this.overlayLayer.batchDraw();
  }

  /**
   * Shows a tool's proposed labels before they are accepted, or none: through `lut` as given (morphology's added and
   * removed pixels), or `hatched` in diagonal stripes (interpolated slices), so it never reads as saved labels.
   */
  setPreview(values: Uint8Array | null, width: number, lut: Uint32Array, hatched = false): void {
    this.previewNode.visible(values !== null);
    if (values) {
      const shown = hatched ? values.map((v, i) => ((i % width) + Math.floor(i / width)) % 6 < 3 ? v : 255) : values;
      drawRaster(this.previewNode, shown, width, lut);
    }
    this.previewLayer.batchDraw();
  }

  /**
   * Tints the pixels where `paintable` is 1 (threshold painting's preview), or shows no tint. With `step` > 1 each
   * value covers step × step image pixels (a large plane's tint is sampled).
   */
  setThresholdPreview(paintable: Uint8Array | null, width: number, step = 1): void {
    if (!paintable) {
      this.thresholdNode.visible(false);
      this.thresholdLayer.batchDraw();
      return;
    }
    drawRaster(this.thresholdNode, paintable, width, THRESHOLD_TINT);
    this.thresholdNode.scale({ x: step, y: step });
    this.thresholdNode.visible(true);
    this.thresholdLayer.batchDraw();
  }

  setPolygon(points: readonly Point[]): void {
    this.polygonNode.points(points.flatMap((p) => [p.x, p.y]));
    this.polygonNode.strokeWidth(1 / this.scale);
    this.toolLayer.batchDraw();
  }

  /** Outlines a rectangle of image pixels (a region of interest), or none. */
  setRoi(rect: Rect | null): void {
    this.roiNode.visible(rect !== null);
    if (rect) this.roiNode.setAttrs({ ...rect, strokeWidth: 1 / this.scale });
    this.toolLayer.batchDraw();
  }

  setCursor(p: Point | null, diameter: number): void {
    this.cursorNode.visible(p !== null);
    if (p) this.cursorNode.setAttrs({ x: p.x, y: p.y, radius: Math.max(diameter, 1) / 2, strokeWidth: 1 / this.scale });
    this.toolLayer.batchDraw();
  }

  /** Image coordinates of a pointer event. */
  toImage(event: { clientX: number; clientY: number }): Point {
    const box = this.stage.container().getBoundingClientRect();
    return { x: (event.clientX - box.left - this.stage.x()) / this.scale, y: (event.clientY - box.top - this.stage.y()) / this.scale };
  }

  /** Zooms by `factor` keeping the image point under (screenX, screenY) in place. */
  zoomAt(screenX: number, screenY: number, factor: number): void {
    const old = this.scale;
    const next = Math.min(64, Math.max(1 / 64, old * factor));
    const anchor = { x: (screenX - this.stage.x()) / old, y: (screenY - this.stage.y()) / old };
    this.stage.scale({ x: next, y: next });
    this.stage.position({ x: screenX - anchor.x * next, y: screenY - anchor.y * next });
    this.afterViewChange();
  }

  fit(): void {
    if (!this.imageWidth) return;
    const s = Math.min(this.stage.width() / this.imageWidth, this.stage.height() / this.imageHeight);
    this.stage.scale({ x: s, y: s });
    this.stage.position({ x: (this.stage.width() - this.imageWidth * s) / 2, y: (this.stage.height() - this.imageHeight * s) / 2 });
    this.afterViewChange();
  }

  actualSize(): void {
    const cx = this.stage.width() / 2;
    const cy = this.stage.height() / 2;
    this.zoomAt(cx, cy, 1 / this.scale);
  }

  panBy(dx: number, dy: number): void {
    this.stage.position({ x: this.stage.x() + dx, y: this.stage.y() + dy });
    this.stage.batchDraw();
  }

  destroy(): void {
    this.stage.destroy();
  }

  private afterViewChange(): void {
    this.polygonNode.strokeWidth(1 / this.scale);
    this.cursorNode.strokeWidth(1 / this.scale);
    this.roiNode.strokeWidth(1 / this.scale);
    this.stage.batchDraw();
  }
}

/** Draws a whole byte raster through `lut` into the node's canvas, making a canvas of the raster's size when needed. */
function drawRaster(node: Konva.Image, values: Uint8Array, width: number, lut: Uint32Array): void {
  const height = values.length / width;
  let canvas = node.image();
  if (!(canvas instanceof HTMLCanvasElement) || canvas.width !== width || canvas.height !== height) {
    canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    node.image(canvas);
  }
  putIndexed(canvas.getContext('2d')!, values, width, { x: 0, y: 0, width, height }, lut);
}

/** Writes lut[values[i]] for a rectangle of a byte raster into a 2D context whose origin is at (originX, originY). */
function putIndexed(ctx: CanvasRenderingContext2D, values: Uint8Array, width: number, rect: Rect, lut: Uint32Array, originX = 0, originY = 0): void {
  const image = ctx.createImageData(rect.width, rect.height);
  const out = new Uint32Array(image.data.buffer);
  for (let row = 0; row < rect.height; row++) {
    const src = (rect.y + row) * width + rect.x;
    const dst = row * rect.width;
    for (let col = 0; col < rect.width; col++) out[dst + col] = lut[values[src + col]];
  }
  ctx.putImageData(image, rect.x - originX, rect.y - originY);
}
