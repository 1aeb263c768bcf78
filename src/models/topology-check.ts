// Checks a saved model.json's layer graph before TF.js builds it. TF.js trusts the topology: a layer name that is
// not a string or an inbound node that points nowhere sends its graph walk into an endless loop, and a damaged
// setting comes back as TF.js's own wording ("… or null/undefined"). Here each problem is named by layer and field.
import { InputError } from '../api/errors.ts';

type Json = Record<string, unknown>;

/** Settings that take one of a few words, as Keras writes them. */
const CHOICES: Record<string, readonly string[]> = {
  padding: ['valid', 'same', 'causal'],
  data_format: ['channels_last', 'channels_first'],
  interpolation: ['nearest', 'bilinear'],
  mode: ['fan_in', 'fan_out', 'fan_avg'],
  distribution: ['normal', 'uniform', 'truncated_normal', 'untruncated_normal'],
};

/**
 * Settings that are a whole number (or a list of them) in a range. The upper bounds are far above any model Segwork
 * builds and keep a damaged file from asking TF.js for weights of whatever size a flipped bit makes.
 */
const WHOLE_NUMBERS: Record<string, [min: number, max: number]> = {
  filters: [1, 65536],
  units: [1, 65536],
  kernel_size: [1, 256],
  strides: [1, 64],
  pool_size: [1, 64],
  size: [1, 64],
  dilation_rate: [1, 1024],
  multiple: [1, 1 << 16],
  axis: [-8, 8],
};

/** Settings that are a finite number in a range (a dropout fraction, an atrous rate, batch-norm constants). */
const NUMBERS: Record<string, [min: number, max: number]> = {
  rate: [0, 1024],
  momentum: [0, 1],
  epsilon: [0, 1],
};

/** A layer's own on/off settings (an initializer's "scale" is a number, so only the layer's top level counts). */
/** Settings a layer cannot be built without, by its class. */
const REQUIRED: Record<string, string[]> = {
  Conv2D: ['filters', 'kernel_size'],
  Conv2DTranspose: ['filters', 'kernel_size'],
  SeparableConv2D: ['filters', 'kernel_size'],
  AtrousConv2D: ['filters', 'kernel_size'],
  Dense: ['units'],
};

const FLAGS = ['use_bias', 'trainable', 'center', 'scale', 'sparse', 'depthwise'];

/** How deep a layer's settings may nest (an initializer inside a layer is two levels). */
const MAX_SETTING_DEPTH = 6;

/** Throws one InputError naming `file`, the layer and the field, for the first problem found. */
export function checkTopology(file: string, topology: unknown): void {
  const fail = (what: string): never => {
    throw new InputError(file, what);
  };
  const config = (isObject(topology) && isObject(topology.config) ? topology.config : fail('"modelTopology" has no "config" object')) as Json;
  const layers = Array.isArray(config.layers) && config.layers.length > 0 ? (config.layers as unknown[]) : fail('"modelTopology.config.layers" must list the layers');
  const nodeCounts = new Map<string, number>();
  layers.forEach((layer, i) => {
    if (!isObject(layer)) fail(`layer ${i} is not an object`);
    const l = layer as Json;
    if (typeof l.name !== 'string' || l.name === '') fail(`layer ${i} has no name`);
    const name = l.name as string;
    if (nodeCounts.has(name)) fail(`two layers are named "${name}"`);
    if (typeof l.class_name !== 'string' || l.class_name === '') fail(`layer "${name}" has no class_name`);
    if (!isObject(l.config)) fail(`layer "${name}" has no config object`);
    if (!Array.isArray(l.inbound_nodes)) fail(`layer "${name}" has no inbound_nodes list`);
    const nodes = (l.inbound_nodes as unknown[]).length;
    // An input layer is its own single node; any other layer without inputs leaves TF.js waiting for them forever.
    if (nodes === 0 && l.class_name !== 'InputLayer') fail(`layer "${name}" has no inputs`);
    nodeCounts.set(name, l.class_name === 'InputLayer' ? 1 : nodes);
    if (l.class_name === 'InputLayer') checkInputShape((l.config as Json).batch_input_shape, `layer "${name}"`, fail);
    for (const key of REQUIRED[l.class_name as string] ?? []) {
      if (!(key in (l.config as Json))) fail(`layer "${name}" has no "${key}" setting`);
    }
  });
  const inputsOf = new Map<string, string[]>();
  for (const layer of layers as Json[]) {
    const name = layer.name as string;
    const sources: string[] = [];
    (layer.inbound_nodes as unknown[]).forEach((node, n) => {
      if (!Array.isArray(node) || node.length === 0) fail(`layer "${name}": inbound node ${n} is not a list of inputs`);
      (node as unknown[]).forEach((ref, r) => sources.push(checkRef(ref, `layer "${name}": inbound node ${n}, input ${r}`, nodeCounts, fail)));
    });
    inputsOf.set(name, sources);
    checkSettings(layer.config as Json, `layer "${name}"`, 0, fail);
  }
  for (const key of ['input_layers', 'output_layers']) {
    const refs = config[key];
    if (!Array.isArray(refs) || refs.length === 0) fail(`"modelTopology.config.${key}" must list at least one layer`);
    (refs as unknown[]).forEach((ref, r) => checkRef(ref, `"${key}" entry ${r}`, nodeCounts, fail));
  }
  const loop = findCycle(inputsOf);
  if (loop) fail(`the layers' inputs form a loop (${loop.join(' → ')})`);
}

/** [batch, height, width, channels]: sizes may be open (null), but the channels are what the weights were made for. */
function checkInputShape(shape: unknown, where: string, fail: (what: string) => never): void {
  const size = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= 1 << 16;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.slice(0, 3).every((v) => v === null || size(v)) || !size(shape[3])) {
    fail(`${where}: "batch_input_shape" must be [batch, height, width, channels] with the channels given`);
  }
}

/** A reference to another layer's output: [layer name, node index, tensor index, optional kwargs]. */
function checkRef(ref: unknown, where: string, nodeCounts: Map<string, number>, fail: (what: string) => never): string {
  if (!Array.isArray(ref) || ref.length < 3 || ref.length > 4) fail(`${where} must be [layer, node, tensor]`);
  const [source, node, tensor, kwargs] = ref as unknown[];
  if (typeof source !== 'string' || !nodeCounts.has(source)) fail(`${where} names no layer of this model`);
  if (!Number.isSafeInteger(node) || (node as number) < 0 || (node as number) >= nodeCounts.get(source as string)!) {
    fail(`${where} asks for a node "${source as string}" does not have (it has ${nodeCounts.get(source as string)})`);
  }
  if (!Number.isSafeInteger(tensor) || (tensor as number) < 0 || (tensor as number) > 16) fail(`${where} has a bad output index`);
  if (kwargs !== undefined && !isObject(kwargs)) fail(`${where} has extra arguments that are not an object`);
  return source as string;
}

function checkSettings(settings: Json, where: string, depth: number, fail: (what: string) => never): void {
  if (depth > MAX_SETTING_DEPTH) fail(`${where} nests its settings too deeply`);
  for (const [key, value] of Object.entries(settings)) {
    const field = `${where}: "${key}"`;
    const choices = CHOICES[key];
    if (choices && !choices.includes(value as string)) fail(`${field} must be one of ${choices.join(', ')}`);
    const range = WHOLE_NUMBERS[key];
    if (range && value !== null) {
      const values = Array.isArray(value) ? (value as unknown[]) : [value];
      const ok = values.length > 0 && values.length <= 3 && values.every((v) => Number.isSafeInteger(v) && (v as number) >= range[0] && (v as number) <= range[1]);
      if (!ok) fail(`${field} must be a whole number from ${range[0]} to ${range[1]} (or a list of up to three)`);
    }
    const bounds = NUMBERS[key];
    if (bounds && !(typeof value === 'number' && value >= bounds[0] && value <= bounds[1])) fail(`${field} must be a number from ${bounds[0]} to ${bounds[1]}`);
    if (depth === 0 && FLAGS.includes(key) && typeof value !== 'boolean') fail(`${field} must be true or false`);
    if (isObject(value)) checkSettings(value as Json, `${where} › ${key}`, depth + 1, fail);
    else if (Array.isArray(value) && value.some((v) => isObject(v) || Array.isArray(v))) {
      // Settings hold numbers, words and flat lists; nested lists only in places TF.js never reads here.
      value.forEach((v) => isObject(v) && checkSettings(v as Json, `${where} › ${key}`, depth + 1, fail));
    }
  }
}

/** One loop among layer inputs, as the layer names along it, or null when the graph is acyclic. */
function findCycle(inputsOf: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  // Iterative depth-first search: a damaged graph may be as deep as it is long.
  for (const start of inputsOf.keys()) {
    if (state.has(start)) continue;
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    state.set(start, 'open');
    path.push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = inputsOf.get(top.name) ?? [];
      if (top.next < inputs.length) {
        const source = inputs[top.next++]!;
        const seen = state.get(source);
        if (seen === 'open') return [...path.slice(path.indexOf(source)), source];
        if (seen === undefined) {
          state.set(source, 'open');
          path.push(source);
          stack.push({ name: source, next: 0 });
        }
      } else {
        state.set(top.name, 'done');
        path.pop();
        stack.pop();
      }
    }
  }
  return null;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
