// The one table of callable service methods. Every carrier (HTTP routes, Electron IPC) accepts exactly these
// names; the mapped type makes the compiler fail here when the SegworkService interface gains or loses a method.
import type { SegworkService } from '../api/service.ts';

/** Every request/response method of the service; onJobEvent travels as an event stream instead. */
export type ServiceMethod = Exclude<keyof SegworkService, 'onJobEvent'>;

const TABLE: { [K in ServiceMethod]: true } = {
  doctor: true,
  catalogue: true,
  listProjects: true,
  createProject: true,
  updateClasses: true,
  addImages: true,
  uploadImage: true,
  listImages: true,
  displayImage: true,
  getMask: true,
  saveMaskPatches: true,
  labeledSlices: true,
  exportLabels: true,
  listModels: true,
  startTraining: true,
  startPretraining: true,
  listEncoders: true,
  cancelJob: true,
  predict: true,
  cam: true,
  camLayers: true,
  evaluate: true,
  listRuns: true,
  segmentFolder: true,
  lastBatchSummary: true,
};

export const SERVICE_METHODS: readonly ServiceMethod[] = Object.keys(TABLE) as ServiceMethod[];

export function isServiceMethod(name: string): name is ServiceMethod {
  return Object.hasOwn(TABLE, name);
}

/** Calls a method by name with JSON arguments, after checking the name against the table. */
export async function callServiceMethod(service: SegworkService, name: string, args: unknown): Promise<unknown> {
  if (!isServiceMethod(name)) throw new UnknownMethodError(name);
  if (!Array.isArray(args)) throw new TypeError(`arguments of ${name} must be a JSON array`);
  const method = service[name] as (...a: unknown[]) => Promise<unknown>;
  return method.apply(service, args);
}

export class UnknownMethodError extends Error {
  constructor(readonly method: string) {
    super(`unknown API method "${method}"`);
    this.name = 'UnknownMethodError';
  }
}
