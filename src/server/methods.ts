// The one table of callable service methods and their arguments. Every carrier (HTTP routes, Electron IPC) accepts
// exactly these names and checks the arguments here before the core sees them; the mapped type makes the compiler
// fail here when the SegworkService interface gains or loses a method or a parameter changes type.
import { ArgumentError, NotFoundError, UserError } from '../api/errors.ts';
import { LABEL_EXPORT_FORMATS, type SegworkService } from '../api/service.ts';
import { CLASS_WEIGHTINGS, IMAGE_SORTS, LABEL_STATUSES, MORPHOLOGY_OPERATIONS, PRETRAIN_OBJECTIVES } from '../api/types.ts';
import { ELASTIC_SIGMA_RANGE } from '../training/elastic.ts';
import { WEIGHT_MAP_RANGES } from '../training/weight-map.ts';
import { anyObject, array, boolean, integer, nonNegativeInteger, number, numberIn, object, oneOf, optional, positiveInteger, string, type Check } from './argument-checks.ts';

/** Every request/response method of the service; onJobEvent travels as an event stream instead. */
export type ServiceMethod = Exclude<keyof SegworkService, 'onJobEvent'>;

/** Each parameter of a method as [name, check], in order. */
type Arguments<P extends unknown[]> = { [I in keyof P]: readonly [name: string, check: Check<P[I]>] };

const id = positiveInteger;
const slice = optional(nonNegativeInteger);
const axis = oneOf([0, 1, 2]);
const rect = object({ x: integer, y: integer, width: integer, height: integer });

const TABLE: { [K in ServiceMethod]: Arguments<Parameters<SegworkService[K]>> } = {
  doctor: [],
  catalogue: [],
  listProjects: [],
  createProject: [['name', string], ['classes', array(object({ name: string, color: string }))]],
  updateClasses: [['projectId', id], ['classes', array(object({ index: integer, name: string, color: string }))]],
  addImages: [['projectId', id], ['paths', array(string)], ['labelsDir', optional(string)]],
  uploadImage: [['projectId', id], ['fileName', string], ['base64', string]],
  listImages: [
    [
      'query',
      object({
        projectId: id,
        status: optional(oneOf(LABEL_STATUSES)),
        nameContains: optional(string),
        sort: optional(oneOf(IMAGE_SORTS)),
        descending: optional(boolean),
        offset: optional(nonNegativeInteger),
        limit: optional(nonNegativeInteger),
      }),
    ],
  ],
  nextImage: [['projectId', id], ['exceptImageId', optional(id)]],
  displayImage: [
    ['imageId', id],
    [
      'options',
      optional(
        object({
          window: optional(object({ center: number, width: number })),
          bands: optional(array(integer)),
          maxSize: optional(integer),
          slice,
          axis: optional(axis),
        }),
      ),
    ],
  ],
  getMask: [['imageId', id], ['slice', slice], ['axis', optional(axis)]],
  saveMaskPatches: [
    ['imageId', id],
    ['baseRevision', nonNegativeInteger],
    ['patches', array(object({ x: integer, y: integer, width: integer, height: integer, data: string }))],
    ['slice', slice],
    ['axis', optional(axis)],
  ],
  intensityPlane: [['imageId', id], ['options', optional(object({ band: optional(nonNegativeInteger), slice, axis: optional(axis) }))]],
  growFromSeeds: [
    ['request', object({ imageId: id, slice, axis: optional(axis), labels: string, roi: optional(rect), neighbours: optional(oneOf([4, 8])) })],
  ],
  growVolume: [['request', object({ imageId: id, axis: optional(axis), roi: optional(object({ x: integer, y: integer, width: integer, height: integer, first: slice, last: slice })) })]],
  labeledSlices: [['imageId', id]],
  interpolateSlices: [['imageId', id], ['axis', optional(axis)]],
  morphVolume: [
    ['imageId', id],
    ['request', object({ operation: oneOf(MORPHOLOGY_OPERATIONS), classIndex: integer, radius: optional(number), minSize: optional(number), overwrite: optional(boolean) })],
    ['axis', optional(axis)],
  ],
  applyVolumeEdit: [['imageId', id], ['edit', object({ axis, baseRevision: nonNegativeInteger, slices: array(object({ slice: nonNegativeInteger, after: string })) })]],
  exportLabels: [['imageId', id], ['format', oneOf(LABEL_EXPORT_FORMATS)]],
  labelExportFormats: [['imageId', id]],
  listModels: [['projectId', optional(id)]],
  modelChoice: [['projectId', id]],
  chooseModel: [['projectId', id], ['modelId', optional(id)]],
  startTraining: [
    ['projectId', id],
    [
      'options',
      object({
        architecture: optional(string),
        preset: optional(string),
        modelConfig: optional(anyObject),
        patchSize: optional(integer),
        batchSize: optional(integer),
        epochs: optional(integer),
        stepsPerEpoch: optional(integer),
        learningRate: optional(number),
        valSplit: optional(number),
        seed: optional(integer),
        timeBudgetSeconds: optional(number),
        earlyStoppingPatience: optional(integer),
        classWeighting: optional(oneOf(CLASS_WEIGHTINGS)),
        diceWeight: optional(number),
        augment: optional(boolean),
        elasticSigma: optional(numberIn(...ELASTIC_SIGMA_RANGE)),
        weightMap: optional(object({ foregroundClass: nonNegativeInteger, w0: optional(numberIn(...WEIGHT_MAP_RANGES.w0)), sigma: optional(numberIn(...WEIGHT_MAP_RANGES.sigma)) })),
        sliceContext: optional(integer),
        name: optional(string),
        baseModelId: optional(id),
        initEncoderDir: optional(string),
      }),
    ],
  ],
  startPretraining: [['projectId', id], ['options', object({ architecture: string, preset: string, timeBudgetSeconds: number, objective: optional(oneOf(PRETRAIN_OBJECTIVES)), stacked: optional(boolean) })]],
  listEncoders: [['projectId', id]],
  cancelJob: [['job', id]],
  predict: [['modelId', id], ['imageId', id], ['slice', slice]],
  cam: [
    [
      'request',
      object({ modelId: id, imageId: id, classIndex: nonNegativeInteger, slice, layer: optional(string), region: optional(rect) }),
    ],
  ],
  camLayers: [['modelId', id]],
  features: [['request', object({ modelId: id, imageId: id, slice, layer: optional(string), channels: optional(positiveInteger) })]],
  weightMap: [
    [
      'request',
      object({ imageId: id, slice, foregroundClass: nonNegativeInteger, w0: optional(numberIn(...WEIGHT_MAP_RANGES.w0)), sigma: optional(numberIn(...WEIGHT_MAP_RANGES.sigma)) }),
    ],
  ],
  setAnomalyModel: [['projectId', id], ['dir', optional(string)]],
  anomalyModel: [['projectId', id]],
  anomalyMap: [['request', object({ imageId: id, slice })]],
  evaluate: [['modelId', id], ['projectId', id]],
  listRuns: [['projectId', optional(id)]],
  segmentFolder: [['modelId', id], ['inputDir', string], ['outputDir', string]],
  lastBatchSummary: [['job', id]],
};

export const SERVICE_METHODS: readonly ServiceMethod[] = Object.keys(TABLE) as ServiceMethod[];

export function isServiceMethod(name: string): name is ServiceMethod {
  return Object.hasOwn(TABLE, name);
}

/**
 * The arguments of a call, checked against the method's parameters; throws an ArgumentError naming the first wrong
 * one. JSON cannot leave an argument out in the middle of an array, so null stands for "not given" (undefined).
 */
export function checkedArguments(name: ServiceMethod, args: unknown): unknown[] {
  if (!Array.isArray(args)) throw new UserError(`arguments of ${name} must be a JSON array`);
  const parameters = TABLE[name] as readonly (readonly [string, Check<unknown>])[];
  if (args.length > parameters.length) {
    throw new UserError(`${name}(${parameters.map(([n]) => n).join(', ')}) was called with ${args.length} arguments`);
  }
  const values = args.map((a: unknown) => (a === null ? undefined : a));
  parameters.forEach(([parameter, check], i) => {
    const found = check(values[i]);
    if (found) throw new ArgumentError(name, parameter + found.path, found.problem);
  });
  return values;
}

/** Calls a method by name with JSON arguments, after checking the name and the arguments against the table. */
export async function callServiceMethod(service: SegworkService, name: string, args: unknown): Promise<unknown> {
  if (!isServiceMethod(name)) throw new UnknownMethodError(name);
  const method = service[name] as (...a: unknown[]) => Promise<unknown>;
  return method.apply(service, checkedArguments(name, args));
}

/** A carrier was asked for a method the service does not have. */
export class UnknownMethodError extends NotFoundError {
  constructor(readonly method: string) {
    super(`API method "${method}"`);
    this.name = 'UnknownMethodError';
  }
}
