// `segwork models`: every registered architecture and preset with its parameter count and convolution FLOPs at 256×256.
import type * as tf from '@tensorflow/tfjs';
import { initBackend } from '../compute/backends.ts';
import { architectureNames, getArchitecture, resolveConfig } from '../models/index.ts';
import { intOption, parse } from './args.ts';
import { EXIT_OK, type Command } from './command.ts';
import { toJson } from './progress.ts';

/** Side of the square input the FLOPs are counted at. */
export const FLOPS_SIZE = 256;

export interface ModelListing {
  architecture: string;
  /** 'default' or a preset name. */
  preset: string;
  description: string;
  parameters: number;
  /** 2 × multiply-accumulates of every convolution for one 256×256 image; element-wise layers not counted. */
  flops: number;
  sizeMultiple: number;
}

type Shape = number[];

/**
 * Convolution FLOPs (2 × multiply-accumulates) of one forward pass at height × width, from each layer's
 * computeOutputShape along the graph, so no tensor is allocated. Dilation does not change the count.
 */
export function convolutionFlops(model: tf.LayersModel, height: number, width: number): number {
  const shapes = new Map<string, Shape>();
  const key = (t: tf.SymbolicTensor) => `${t.sourceLayer.name}:${t.outputTensorIndex ?? 0}`;
  const list = <X>(x: X | X[]): X[] => (Array.isArray(x) ? x : [x]);
  let flops = 0;
  for (const layer of model.layers) {
    const inputs = list(layer.input as tf.SymbolicTensor | tf.SymbolicTensor[]);
    const outputs = list(layer.output as tf.SymbolicTensor | tf.SymbolicTensor[]);
    if (layer.getClassName() === 'InputLayer') {
      shapes.set(key(outputs[0]), [1, height, width, outputs[0].shape[3]!]);
      continue;
    }
    const inShapes = inputs.map((t) => shapes.get(key(t))!);
    const outShapes = layer.computeOutputShape(inShapes.length === 1 ? inShapes[0] : inShapes);
    const outList = (Array.isArray(outShapes[0]) ? outShapes : [outShapes]) as Shape[];
    outputs.forEach((t, i) => shapes.set(key(t), outList[i]));
    const [, oh, ow, oc] = outList[0];
    const cin = inShapes[0][3];
    const cfg = layer.getConfig() as { kernelSize?: number | number[]; depthwise?: boolean };
    const k = Array.isArray(cfg.kernelSize) ? cfg.kernelSize[0] * cfg.kernelSize[1] : (cfg.kernelSize ?? 0) ** 2;
    switch (layer.getClassName()) {
      case 'Conv2D':
        flops += 2 * oh * ow * oc * k * cin;
        break;
      case 'DepthwiseConv2D':
        flops += 2 * oh * ow * oc * k;
        break;
      case 'AtrousConv2D':
        flops += 2 * oh * ow * oc * k * (cfg.depthwise ? 1 : cin);
        break;
      case 'Conv2DTranspose':
        flops += 2 * inShapes[0][1] * inShapes[0][2] * cin * k * oc;
        break;
    }
  }
  return flops;
}

export function listModels(inputChannels: number, numClasses: number): ModelListing[] {
  const rows: ModelListing[] = [];
  for (const name of architectureNames()) {
    const arch = getArchitecture(name);
    for (const preset of [undefined, ...Object.keys(arch.presets)]) {
      const config = resolveConfig(name, { inputChannels, numClasses }, preset);
      const model = arch.build(config);
      rows.push({
        architecture: name,
        preset: preset ?? 'default',
        description: arch.description,
        parameters: model.countParams(),
        flops: convolutionFlops(model, FLOPS_SIZE, FLOPS_SIZE),
        sizeMultiple: arch.sizeMultiple(config),
      });
      model.dispose();
    }
  }
  return rows;
}

const millions = (n: number) => (n / 1e6).toFixed(2);

export const modelsCommand: Command = {
  usage: `Usage: segwork models [--json] [--channels N] [--classes N]

Lists every architecture (for segwork train --model) and each of its presets (--preset), with the
parameter count, the convolution GFLOPs of one 256×256 forward pass (2 × multiply-accumulates; element-wise
layers not counted) and the size multiple input height and width must respect.

Options:
  --channels N   input channels to count for (default 3)
  --classes N    output classes to count for (default 2)
  --backend NAME tensorflow | webgpu | wasm | cpu (default: fastest available)
  --json         one JSON array: [{architecture, preset, description, parameters, flops, sizeMultiple}]`,
  async run(argv, io) {
    const { values } = parse(argv, {
      json: { type: 'boolean' },
      channels: { type: 'string' },
      classes: { type: 'string' },
      backend: { type: 'string' },
    });
    const channels = intOption(values, 'channels', 3, 1);
    const classes = intOption(values, 'classes', 2, 2);
    await initBackend(values.backend);
    const rows = listModels(channels, classes);
    if (values.json) {
      io.stdout.write(toJson(rows) + '\n');
      return EXIT_OK;
    }
    io.stdout.write(`${'model'.padEnd(14)}${'preset'.padEnd(10)}${'params (M)'.padStart(11)}${'GFLOPs@256'.padStart(12)}${'multiple'.padStart(10)}\n`);
    let last = '';
    for (const r of rows) {
      if (r.architecture !== last) io.stdout.write(`\n${r.architecture}: ${r.description}\n`);
      last = r.architecture;
      io.stdout.write(
        `${r.architecture.padEnd(14)}${r.preset.padEnd(10)}${millions(r.parameters).padStart(11)}${(r.flops / 1e9).toFixed(2).padStart(12)}${String(r.sizeMultiple).padStart(10)}\n`,
      );
    }
    io.stdout.write(`\n(${channels} input channel(s), ${classes} classes)\n`);
    return EXIT_OK;
  },
};
