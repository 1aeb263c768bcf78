// Architectures as plain data: name → builder, defaults, presets and quirks.
// An unknown name fails with the list of valid ones; quirks live on the entry, never in name checks.
import type * as tf from '@tensorflow/tfjs';

/** Every architecture's config carries these; the rest is its own. */
export interface BaseModelConfig {
  inputChannels: number;
  numClasses: number;
}

export interface Architecture<C extends BaseModelConfig = BaseModelConfig> {
  name: string;
  description: string;
  /** Defaults for the architecture-specific fields. */
  defaults: Omit<C, keyof BaseModelConfig>;
  /** Named overrides of the defaults, e.g. small / standard. */
  presets: Record<string, Partial<Omit<C, keyof BaseModelConfig>>>;
  /** Config fields a user picks from a list (U-Net's upsampling), offered by `segwork train` and the workbench; the default first. */
  choices?: Record<string, readonly string[]>;
  /** Checks a full config and returns it typed; throws one clear message naming the bad field. */
  validate(config: Record<string, unknown>): C;
  /** Builds an untrained model: input [null, null, null, channels] (or fixed if the arch needs), output softmax [.., numClasses]. */
  build(config: C): tf.LayersModel;
  /** Input height and width must be a multiple of this (inference pads, training patches respect it). */
  sizeMultiple(config: C): number;
  /** Layer names that make up the encoder, in order (autoencoder pre-training and CAM use them). */
  encoderLayers(model: tf.LayersModel, config: C): string[];
  /** The layer CAM uses by default: the deepest encoder stage. */
  defaultCamLayer(model: tf.LayersModel, config: C): string;
}

const entries = new Map<string, Architecture<any>>();

export function registerArchitecture<C extends BaseModelConfig>(arch: Architecture<C>): void {
  if (entries.has(arch.name)) throw new Error(`architecture "${arch.name}" is registered twice`);
  entries.set(arch.name, arch);
}

export function getArchitecture(name: string): Architecture<any> {
  const arch = entries.get(name);
  if (!arch) throw new Error(`unknown model "${name}": choose one of ${[...entries.keys()].join(', ')}`);
  return arch;
}

export function architectureNames(): string[] {
  return [...entries.keys()];
}

/** Resolves defaults ← preset ← overrides and validates the result. */
export function resolveConfig(
  name: string,
  base: BaseModelConfig,
  preset?: string,
  overrides: Record<string, unknown> = {},
): BaseModelConfig & Record<string, unknown> {
  const arch = getArchitecture(name);
  let presetValues = {};
  if (preset !== undefined) {
    const p = arch.presets[preset];
    if (!p) throw new Error(`model "${name}" has no preset "${preset}": choose one of ${Object.keys(arch.presets).join(', ')}`);
    presetValues = p;
  }
  // validate() keeps only its own fields, so a setting another architecture has would be dropped without a word.
  const foreign = Object.keys(overrides).find((key) => !(key in arch.defaults));
  if (foreign) throw new Error(`model "${name}" has no setting "${foreign}": its settings are ${Object.keys(arch.defaults).join(', ')}`);
  return arch.validate({ ...arch.defaults, ...presetValues, ...overrides, ...base });
}

// ---- small validation helpers shared by the architectures ----

/** A setting's value for an error message: short, and never a walk of whatever a damaged file nests there. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character text` : JSON.stringify(value);
  return String(value);
}

/** The fields every architecture's config carries, checked. */
export function baseFields(config: Record<string, unknown>): BaseModelConfig {
  return { inputChannels: intField(config, 'inputChannels', 1, 64), numClasses: intField(config, 'numClasses', 2, 255) };
}

export function intField(config: Record<string, unknown>, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = config[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`model config: "${key}" must be an integer in [${min}, ${max}], got ${shown(v)}`);
  }
  return v;
}

export function numberField(config: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = config[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new Error(`model config: "${key}" must be a number in [${min}, ${max}], got ${shown(v)}`);
  }
  return v;
}

export function boolField(config: Record<string, unknown>, key: string): boolean {
  const v = config[key];
  if (typeof v !== 'boolean') throw new Error(`model config: "${key}" must be true or false, got ${shown(v)}`);
  return v;
}

export function choiceField<T extends string>(config: Record<string, unknown>, key: string, choices: readonly T[]): T {
  const v = config[key];
  if (typeof v !== 'string' || !choices.includes(v as T)) {
    throw new Error(`model config: "${key}" must be one of ${choices.join(', ')}, got ${shown(v)}`);
  }
  return v as T;
}
