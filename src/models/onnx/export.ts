// ONNX export of a Segwork model, straight from the tfjs layers model (no Python): the layer graph walked in
// topological order, each layer's math emitted by its converter in NCHW. Input "image" [N, C, H, W] of normalised
// values, output "probabilities" [N, classes, H, W]. The model's metadata travels inside the file (metadata.ts).
import * as tf from '@tensorflow/tfjs';
import type { ModelMeta } from '../model-dir.ts';
import { OnnxGraphBuilder } from './graph-builder.ts';
import { converterFor, inboundValues, type OnnxValue } from './layer-converters.ts';
import { onnxMetadata, type OnnxExportHints } from './metadata.ts';

export const ONNX_INPUT = 'image';
export const ONNX_OUTPUT = 'probabilities';

/** The layer graph as ONNX nodes; returns the graph builder and the name of the model's output. */
function convertLayers(model: tf.LayersModel): { graph: OnnxGraphBuilder; output: string } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`ONNX export: the model must have one input and one output (it has ${model.inputs.length} and ${model.outputs.length})`);
  }
  const graph = new OnnxGraphBuilder();
  graph.reserve(ONNX_INPUT);
  graph.reserve(ONNX_OUTPUT);
  const outputs = new Map<string, OnnxValue[]>();
  for (const layer of model.layers) {
    const inputs = inboundValues(layer, outputs, { name: ONNX_INPUT, rank: 4 });
    const config = layer.getConfig() as Record<string, unknown>;
    outputs.set(layer.name, converterFor(layer)({ graph, layer, config, inputs }));
  }
  const outputLayer = model.outputLayers[0]!;
  const result = outputs.get(outputLayer.name)?.[0];
  if (!result || result.rank !== 4) throw new Error(`ONNX export: the output layer ${outputLayer.name} does not give a 4-D tensor`);
  return { graph, output: result.name };
}

/** The model as ONNX bytes. An Identity names the output "probabilities", whatever the layers are called. */
export function exportOnnx(model: tf.LayersModel, meta: ModelMeta, hints: OnnxExportHints = {}): Uint8Array {
  const { graph, output } = convertLayers(model);
  graph.nodeNamed('Identity', [output], [ONNX_OUTPUT]);
  return graph.encode(
    model.name,
    [{ name: ONNX_INPUT, dims: ['batch', meta.inputChannels, 'height', 'width'] }],
    [{ name: ONNX_OUTPUT, dims: ['batch', meta.classes.length, 'height', 'width'] }],
    onnxMetadata(meta, hints),
    `TensorFlow.js ${tf.version.tfjs}`,
  );
}
