import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_TILE_OPTIONS } from '../inference/tiler.ts';
import { writeAtomic } from '../io/write-atomic.ts';
import { ONNX_IR_VERSION, ONNX_OPSET } from '../models/onnx/versions.ts';
import { intOption, numberOption, parse, required } from './args.ts';
import { EXIT_OK, UsageError, type Command } from './command.ts';

export const exportModelCommand: Command = {
  usage: `Usage: segwork export-model --model MODEL_DIR --out FILE.onnx [options]

Every model directory already holds model.onnx (kept in step with its weights); this writes one elsewhere, with
the tiling hints other tools read. Input "image" [N, bands, H, W] of normalised values ((value − mean) / std, as
in segwork.json); output "probabilities" [N, classes, H, W]. H and W must be multiples of the model's size
multiple (segwork models). Opset ${ONNX_OPSET}, IR version ${ONNX_IR_VERSION}: ONNX Runtime 1.12 and later.
The file carries QGIS Deepness's metadata (model_type Segmentor, class_names, standardization_mean/std for
0..1-scaled 8-bit imagery, tiles_size, tiles_overlap, resolution) and Segwork's own, so
\`segwork segment --model FILE.onnx\` runs it too.

Options:
  --format onnx        the only format for now
  --tile N             tile size the file recommends (default ${DEFAULT_TILE_OPTIONS.tile})
  --overlap F          overlap between tiles it recommends, 0 ≤ F < 1 (default ${DEFAULT_TILE_OPTIONS.overlap})
  --resolution CM      ground resolution of the training imagery, in centimetres per pixel`,
  async run(argv, io) {
    // Loaded when it runs, not with the module: its --help then starts without tfjs (tests/unit/cli/startup.test.ts).
    const [{ initBackend }, { loadModelDir, WEIGHTS, weightsDigest }, { exportOnnx }] = await Promise.all([import('../compute/backends.ts'), import('../models/model-dir.ts'), import('../models/onnx/export.ts')]);
    const { values } = parse(argv, {
      model: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      tile: { type: 'string' },
      overlap: { type: 'string' },
      resolution: { type: 'string' },
      workspace: { type: 'string' },
    });
    const format = values.format ?? 'onnx';
    if (format !== 'onnx') throw new UsageError(`--format: "${format}" is not supported; the one format is onnx`);
    const modelDir = path.resolve(required(values, 'model'));
    const out = path.resolve(required(values, 'out'));
    const tileSize = intOption(values, 'tile', DEFAULT_TILE_OPTIONS.tile, 16);
    const overlap = numberOption(values, 'overlap', DEFAULT_TILE_OPTIONS.overlap, 0, 0.95)!;
    const resolutionCm = numberOption(values, 'resolution', undefined, 1e-6, 1e9);
    // Exporting reads weights and copies them; no compute backend needs to be fast for it.
    await initBackend('cpu');
    const { model, meta } = await loadModelDir(modelDir);
    try {
      const digest = weightsDigest(await fs.readFile(path.join(modelDir, WEIGHTS)));
      const bytes = exportOnnx(model, meta, { tileSize, overlapPercent: Math.round(overlap * 100), weightsDigest: digest, ...(resolutionCm !== undefined ? { resolutionCm } : {}) });
      await writeAtomic(out, bytes);
      io.stdout.write(`${out}: ${meta.architecture}, ${meta.inputChannels} band(s) → ${meta.classes.length} classes, ${(bytes.byteLength / 2 ** 20).toFixed(1)} MB (ONNX opset ${ONNX_OPSET})\n`);
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
};
