// The morphology menu (key M): one operation on one class of the open plane, previewed over the labels, then
// applied through LabelEditor.applyPlane as one undo step. A refused request (a radius below 1, say) says why and
// shows no preview; nothing changes until Apply.
import { UserError } from '../../../src/api/errors.ts';
import {
  applyMorphology,
  RADIUS_OPERATIONS,
  type LabelEditor,
  type MorphologyOperation,
  type MorphologyRequest,
  type MorphologyResult,
} from '../../../src/labels/index.ts';
import type { LabelStage } from '../canvas/stage.ts';
import { packRgba } from '../canvas/colors.ts';

/** What the menu reads from the editor around it. */
export interface MorphologyContext {
  editor(): LabelEditor | null;
  stage(): LabelStage | null;
  /** Class colours by index. */
  lut(): Uint32Array;
  classCount(): number;
  /** After applying: refresh undo buttons and the like. */
  applied(): void;
}

/** Preview raster values: unchanged pixels show nothing, added ones their class colour, removed ones a marker. */
const ADDED = 1;
const REMOVED = 2;
const REMOVED_COLOUR = packRgba(255, 0, 255, 200);

export class MorphologyState {
  open = $state(false);
  operation = $state<MorphologyOperation>('fill-holes');
  classIndex = $state(0);
  radius = $state(2);
  minSize = $state(50);
  overwrite = $state(false);
  /** The preview's outcome in words, or why the request is refused. */
  summary = $state('');
  refused = $state(false);

  constructor(private readonly context: MorphologyContext) {}

  get takesRadius(): boolean {
    return RADIUS_OPERATIONS.includes(this.operation);
  }

  /** Opens the menu on the class being painted. */
  show(classIndex: number): void {
    this.classIndex = classIndex;
    this.open = true;
  }

  request(): MorphologyRequest {
    return {
      operation: this.operation,
      classIndex: this.classIndex,
      ...(this.takesRadius ? { radius: this.radius } : {}),
      ...(this.operation === 'remove-islands' ? { minSize: this.minSize } : {}),
      overwrite: this.overwrite,
    };
  }

  /** Recomputes the preview from the labels as they are now. */
  preview(): void {
    if (!this.open) return;
    const result = this.compute();
    const editor = this.context.editor();
    const stage = this.context.stage();
    if (!result || !editor || !stage) return stage?.setPreview(null, 1, this.lut());
    const before = editor.map.data;
    const raster = new Uint8Array(before.length);
    for (let i = 0; i < raster.length; i++) {
      if (result.labels[i] !== before[i]) raster[i] = result.labels[i] === this.classIndex ? ADDED : REMOVED;
    }
    stage.setPreview(raster, editor.map.width, this.lut());
  }

  /** Enter or Apply: runs the operation on the labels as they are now, as one undo step, and closes the menu. */
  accept(): void {
    const result = this.compute();
    const editor = this.context.editor();
    if (!result || !editor) return;
    editor.applyPlane(result.labels);
    this.discard();
    this.context.applied();
  }

  /** Escape or Cancel: closes the menu and its preview, changing nothing. */
  discard(): void {
    this.open = false;
    this.summary = '';
    this.refused = false;
    this.context.stage()?.setPreview(null, 1, this.lut());
  }

  private compute(): MorphologyResult | null {
    const editor = this.context.editor();
    if (!editor) return null;
    try {
      const result = applyMorphology(editor.map.data, editor.map, this.context.classCount(), this.request());
      this.refused = false;
      this.summary = result.added + result.removed === 0 ? 'No pixel changes' : `${result.added} pixels added, ${result.removed} removed`;
      return result;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      this.refused = true;
      this.summary = e.message;
      return null;
    }
  }

  private lut(): Uint32Array {
    const lut = new Uint32Array(256);
    lut[ADDED] = ((this.context.lut()[this.classIndex] & 0x00ffffff) | (200 << 24)) >>> 0;
    lut[REMOVED] = REMOVED_COLOUR;
    return lut;
  }
}
