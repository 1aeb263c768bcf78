// One window of a large raster, segmented by a block job and kept on the shared file system until the parent job
// assembles the whole image: raw uint8 planes, one after another, each row-major over the window:
// the mask [h × w], then (when asked for) the quantised probabilities [h × w × classes, pixel-interleaved] and the
// uncertainty [h × w]. Written under a temp name and renamed, so a block file that exists is complete.
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { tempPathFor } from '../io/write-atomic.ts';
import { quantizeUint8Pixels } from '../inference/quantize.ts';
import type { SegmentSink } from '../inference/segment-sinks.ts';
import type { PixelWindow } from '../inference/tiler.ts';

export interface BlockPlanes {
  numClasses: number;
  probabilities: boolean;
  uncertainty: boolean;
}

/** Byte offsets of each plane in a block file of `window`. */
function planeOffsets(window: PixelWindow, planes: BlockPlanes) {
  const pixels = window.width * window.height;
  const probabilities = pixels;
  const uncertainty = probabilities + (planes.probabilities ? pixels * planes.numClasses : 0);
  return { mask: 0, probabilities, uncertainty, end: uncertainty + (planes.uncertainty ? pixels : 0) };
}

/** Receives a window's rows from segmentRows (absolute y) and writes them into the block file. */
export class BlockSink implements SegmentSink {
  private constructor(private readonly file: string, private readonly temp: string, private readonly handle: FileHandle, private readonly window: PixelWindow, private readonly planes: BlockPlanes) {}

  static async create(file: string, window: PixelWindow, planes: BlockPlanes): Promise<BlockSink> {
    const temp = tempPathFor(file);
    await mkdir(path.dirname(file), { recursive: true });
    return new BlockSink(file, temp, await open(temp, 'w'), window, planes);
  }

  async rows(y: number, rows: number, mask: Uint8Array, probs: Float32Array, uncertainty: Uint8Array | null): Promise<void> {
    const { width } = this.window;
    const row = y - this.window.y;
    const at = planeOffsets(this.window, this.planes);
    await this.handle.write(mask, 0, rows * width, at.mask + row * width);
    if (this.planes.probabilities) {
      const c = this.planes.numClasses;
      await this.handle.write(quantizeUint8Pixels(probs, c), 0, rows * width * c, at.probabilities + row * width * c);
    }
    if (this.planes.uncertainty && uncertainty) await this.handle.write(uncertainty, 0, rows * width, at.uncertainty + row * width);
  }

  async finish(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.temp, this.file);
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }
}

/** Rows [y, y + rows) of a block file's planes (y relative to the window's top). */
export async function readBlockRows(handle: FileHandle, window: PixelWindow, planes: BlockPlanes, y: number, rows: number) {
  const { width } = window;
  const at = planeOffsets(window, planes);
  const read = async (offset: number, length: number) => {
    const bytes = new Uint8Array(length);
    const { bytesRead } = await handle.read(bytes, 0, length, offset);
    if (bytesRead !== length) throw new Error(`block file ends early (${bytesRead} of ${length} bytes at ${offset})`);
    return bytes;
  };
  const c = planes.numClasses;
  return {
    mask: await read(at.mask + y * width, rows * width),
    probabilities: planes.probabilities ? await read(at.probabilities + y * width * c, rows * width * c) : null,
    uncertainty: planes.uncertainty ? await read(at.uncertainty + y * width, rows * width) : null,
  };
}
