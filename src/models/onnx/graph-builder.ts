// A small builder for ONNX graphs: nodes, initializers and the model's inputs and outputs, serialised with the
// protobuf classes generated from the official onnx.proto (the onnx-proto package), never by hand.
import onnxProto from 'onnx-proto';
import { ONNX_IR_VERSION, ONNX_OPSET } from './versions.ts';

const { onnx } = onnxProto;

/** int, ints, string, float, floats. */
export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

/** A graph input or output: a tensor (float32 unless said) with named (symbolic) or fixed dimensions. */
export interface ValueSpec {
  name: string;
  dims: Array<number | string>;
  type?: 'float' | 'int64';
}

/** A layer weight as the graph sees it: a constant for inference, an input (with its start value) for training. */
export interface Parameter {
  layer: string;
  /** The tfjs weight's name within its layer: kernel, bias, gamma, … */
  suffix: string;
  /** The graph tensor that holds it. */
  name: string;
  dims: number[];
  values: Float32Array;
  /** Its values in tfjs's layout again (a conv kernel goes back from OIHW to [kh, kw, cin, cout]). */
  toTfjs: (values: Float32Array) => Float32Array;
}

const DATA_TYPE = { float: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64, bool: onnx.TensorProto.DataType.BOOL } as const;

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

function valueInfo({ name, dims, type = 'float' }: ValueSpec): onnxProto.onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DATA_TYPE[type], shape: { dim } } } };
}

export class OnnxGraphBuilder {
  protected readonly nodes: onnxProto.onnx.INodeProto[] = [];
  protected readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  protected readonly used = new Set<string>();

  /** A tensor name not used yet, based on `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Keeps a name (a graph input or output) from being handed out by fresh(). */
  reserve(name: string): void {
    this.used.add(name);
  }

  /** Adds a node; returns its output names (fresh names derived from `outputBase`). */
  node(opType: string, inputs: string[], outputBase: string | string[], attributes: Record<string, AttributeValue> = {}): string[] {
    const outputs = (Array.isArray(outputBase) ? outputBase : [outputBase]).map((o) => this.fresh(o));
    this.push(opType, inputs, outputs, attributes);
    return outputs;
  }

  /** Adds a node whose outputs keep exactly the given (reserved) names. */
  nodeNamed(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}): void {
    this.push(opType, inputs, outputs, attributes);
  }

  private push(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue>): void {
    const attribute_ = Object.entries(attributes).map(([k, v]) => attribute(k, v));
    this.nodes.push({ opType, input: inputs, output: outputs, name: outputs[0], attribute: attribute_ });
  }

  /** A float32 constant (weights) stored as raw little-endian bytes. */
  floats(base: string, dims: number[], values: Float32Array): string {
    const name = this.fresh(base);
    const rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    this.initializers.push({ name, dims, dataType: DATA_TYPE.float, rawData });
    return name;
  }

  /** A layer weight; here a constant (training/graph.ts makes it a graph input). */
  parameter(spec: Omit<Parameter, 'name'>): string {
    return this.floats(`${spec.layer}_${spec.suffix}`, spec.dims, spec.values);
  }

  /** An int64 constant (shapes, axes, slice bounds). */
  int64s(base: string, values: number[]): string {
    const name = this.fresh(base);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: DATA_TYPE.int64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A boolean scalar constant. */
  bool(base: string, value: boolean): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [], dataType: DATA_TYPE.bool, rawData: new Uint8Array([value ? 1 : 0]) });
    return name;
  }

  /** The whole model as ONNX protobuf bytes. */
  encode(graphName: string, inputs: ValueSpec[], outputs: ValueSpec[], metadata: Record<string, string>, producerVersion: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'segwork',
      producerVersion,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** The metadata_props of an ONNX file (key → value), read without loading the graph into a runtime. */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes);
  const out: Record<string, string> = {};
  for (const { key, value } of model.metadataProps) if (key) out[key] = value ?? '';
  return out;
}
