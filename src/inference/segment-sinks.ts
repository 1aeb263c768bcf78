// Where segmented rows go, top to bottom: kept as whole-image arrays (the workbench's predictions, evaluation) or
// streamed into output files (segment), so a large GeoTIFF is written without holding any whole-image array.
import type { Raster } from '../io/raster.ts';
import { createMaskWriter, createProbabilityWriter, createUncertaintyWriter, georeferenceOf, writeMaskPng, type TiffStripWriter } from '../io/index.ts';
import { quantizeUint8, quantizeUint8Pixels } from './quantize.ts';

export interface SegmentSink {
  /**
   * Rows [y, y + rows): each pixel's class, its probabilities (pixel-interleaved floats, `numClasses` per pixel) and,
   * when asked for, its normalised entropy scaled to 0..255.
   */
  rows(y: number, rows: number, mask: Uint8Array, probs: Float32Array, uncertainty: Uint8Array | null): Promise<void>;
}

/** Collects whole-image arrays: the mask, class-major uint8 probabilities and uncertainty when asked for. */
export class MemorySink implements SegmentSink {
  readonly mask: Uint8Array;
  readonly probabilities: Uint8Array | null;
  readonly uncertainty: Uint8Array | null;

  constructor(readonly width: number, readonly height: number, readonly numClasses: number, keep: { probabilities?: boolean; uncertainty?: boolean }) {
    this.mask = new Uint8Array(width * height);
    this.probabilities = keep.probabilities ? new Uint8Array(numClasses * width * height) : null;
    this.uncertainty = keep.uncertainty ? new Uint8Array(width * height) : null;
  }

  async rows(y: number, rows: number, mask: Uint8Array, probs: Float32Array, uncertainty: Uint8Array | null): Promise<void> {
    const { width, height, numClasses } = this;
    this.mask.set(mask, y * width);
    if (this.uncertainty && uncertainty) this.uncertainty.set(uncertainty, y * width);
    if (this.probabilities) {
      const planes = quantizeUint8(probs, numClasses);
      const n = rows * width;
      for (let k = 0; k < numClasses; k++) this.probabilities.set(planes.subarray(k * n, (k + 1) * n), k * width * height + y * width);
    }
  }
}

/** Where each output of one input goes. */
export interface OutputPaths {
  /** The mask: `.tif` (streamed, georeferenced like the input) or `.png` (kept in memory, written at the end). */
  mask: string;
  probabilities: string | null;
  uncertainty: string | null;
}

/** The outputs of `output` (the mask's path): NAME.probabilities.tif and NAME.uncertainty.tif|png beside it. */
export function outputPaths(output: string, keep: { probabilities?: boolean; uncertainty?: boolean }): OutputPaths {
  const tiff = output.endsWith('.tif');
  return {
    mask: output,
    probabilities: keep.probabilities ? output.replace(/\.(png|tif)$/, '.probabilities.tif') : null,
    uncertainty: keep.uncertainty ? output.replace(/\.(png|tif)$/, tiff ? '.uncertainty.tif' : '.uncertainty.png') : null,
  };
}

/**
 * Streams a segmentation into its files. TIFF outputs (GeoTIFF inputs) leave memory strip by strip; the PNG mask and
 * uncertainty map of a PNG/JPEG/DICOM input are collected and encoded at the end (PNG cannot be appended to, and such
 * inputs are small). Nothing appears under an output's name before finish(); the mask is renamed into place last, so
 * a batch that finds it knows the other outputs are there too.
 */
export class FileSink implements SegmentSink {
  private constructor(
    private readonly paths: OutputPaths,
    private readonly width: number,
    private readonly height: number,
    private readonly numClasses: number,
    private readonly maskWriter: TiffStripWriter | null,
    private readonly maskPixels: Uint8Array | null,
    private readonly probabilityWriter: TiffStripWriter | null,
    private readonly uncertaintyWriter: TiffStripWriter | null,
    private readonly uncertaintyPixels: Uint8Array | null,
  ) {}

  static async create(paths: OutputPaths, reference: Raster, numClasses: number): Promise<FileSink> {
    const { width, height } = reference;
    const georeference = georeferenceOf(reference);
    const streamed = paths.mask.endsWith('.tif');
    const opened: TiffStripWriter[] = [];
    const open = async (create: () => Promise<TiffStripWriter>) => {
      const writer = await create();
      opened.push(writer);
      return writer;
    };
    try {
      return new FileSink(
        paths, width, height, numClasses,
        streamed ? await open(() => createMaskWriter(paths.mask, width, height, georeference)) : null,
        streamed ? null : new Uint8Array(width * height),
        paths.probabilities ? await open(() => createProbabilityWriter(paths.probabilities!, width, height, numClasses, georeference)) : null,
        paths.uncertainty && streamed ? await open(() => createUncertaintyWriter(paths.uncertainty!, width, height, georeference)) : null,
        paths.uncertainty && !streamed ? new Uint8Array(width * height) : null,
      );
    } catch (error) {
      await Promise.all(opened.map((writer) => writer.abort()));
      throw error;
    }
  }

  rows(y: number, rows: number, mask: Uint8Array, probs: Float32Array, uncertainty: Uint8Array | null): Promise<void> {
    return this.quantizedRows(y, mask, this.probabilityWriter ? quantizeUint8Pixels(probs, this.numClasses) : null, uncertainty);
  }

  /** Rows whose probabilities are already quantised (pixel-interleaved uint8): blocks segmented elsewhere (src/queue). */
  async quantizedRows(y: number, mask: Uint8Array, probabilities: Uint8Array | null, uncertainty: Uint8Array | null): Promise<void> {
    if (this.maskWriter) await this.maskWriter.appendRows(mask);
    else this.maskPixels!.set(mask, y * this.width);
    if (this.probabilityWriter && probabilities) await this.probabilityWriter.appendRows(probabilities);
    if (uncertainty) {
      if (this.uncertaintyWriter) await this.uncertaintyWriter.appendRows(uncertainty);
      else this.uncertaintyPixels?.set(uncertainty, y * this.width);
    }
  }

  async finish(): Promise<void> {
    const { paths, width, height } = this;
    try {
      await this.probabilityWriter?.finish();
      await this.uncertaintyWriter?.finish();
      if (this.uncertaintyPixels) await writeMaskPng(paths.uncertainty!, width, height, this.uncertaintyPixels);
      if (this.maskWriter) await this.maskWriter.finish();
      else await writeMaskPng(paths.mask, width, height, this.maskPixels!);
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Deletes whatever is half-written. */
  async abort(): Promise<void> {
    await Promise.all([this.maskWriter, this.probabilityWriter, this.uncertaintyWriter].map((writer) => writer?.abort()));
  }
}
