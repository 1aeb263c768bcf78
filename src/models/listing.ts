// What each registered architecture and preset costs: parameter count and convolution FLOPs at 256×256, read from
// the built tfjs graph (what `segwork models` prints).
import type * as tf from '@tensorflow/tfjs';
import { architectureNames, getArchitecture, resolveConfig } from './index.ts';

/** Side of the square input the FLOPs are counted at. */
export const FLOPS_SIZE = 256;

export interface ModelListing {
  architecture: string;
  /** 'default' or a preset name. */
  preset: string;
  /** A config choice other than the default, on the default preset (e.g. "upsampling=transpose"); absent otherwise. */
  variant?: string;
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

/** Every architecture with its defaults, each preset, and each non-default choice (U-Net's up-sampling) on its
 * defaults. Building a model draws all its initial weights (most of the time taken), so a config equal to one
 * already built (often 'default' and 'standard') reuses its counts. */
export function listModels(inputChannels: number, numClasses: number): ModelListing[] {
  const rows: ModelListing[] = [];
  for (const name of architectureNames()) {
    const arch = getArchitecture(name);
    const counted = new Map<string, Pick<ModelListing, 'parameters' | 'flops'>>();
    const variants = Object.entries(arch.choices ?? {}).flatMap(([field, values]) => values.slice(1).map((value) => ({ [field]: value })));
    const configs = [
      ...[undefined, ...Object.keys(arch.presets)].map((preset) => ({ preset, overrides: {} as Record<string, string> })),
      ...variants.map((overrides) => ({ preset: undefined, overrides })),
    ];
    for (const { preset, overrides } of configs) {
      const config = resolveConfig(name, { inputChannels, numClasses }, preset, overrides);
      const key = JSON.stringify(config);
      if (!counted.has(key)) {
        const model = arch.build(config);
        counted.set(key, { parameters: model.countParams(), flops: convolutionFlops(model, FLOPS_SIZE, FLOPS_SIZE) });
        model.dispose();
      }
      const variant = Object.entries(overrides).map(([field, value]) => `${field}=${value}`).join(' ');
      rows.push({ architecture: name, preset: preset ?? 'default', ...(variant ? { variant } : {}), description: arch.description, ...counted.get(key)!, sizeMultiple: arch.sizeMultiple(config) });
    }
  }
  return rows;
}
