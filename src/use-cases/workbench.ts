// The workbench service: the composition root that wires the use cases into the SegworkService behind the UI. It
// holds no rules of its own: each method hands over to the use case that owns it. The main thread does only SQLite
// and bookkeeping; tfjs and ONNX Runtime run in worker threads (one for interactive requests, one per long job), so
// a request never waits on a training step.
import { doctor } from '../compute/backends.ts';
import type { JobEvent, SegworkService } from '../api/service.ts';
import type { Workspace } from '../store/workspace.ts';
import { openWorkspace } from '../store/workspace.ts';
import { BatchSegmentation } from './batch-segmentation.ts';
import { catalogue } from './catalogue.ts';
import { DisplayImages } from './display-images.ts';
import { addImages, importUpload } from './importing.ts';
import { intensityPlane } from './intensity-plane.ts';
import { labelExportFormats } from './export-formats.ts';
import { exportLabelsPayload } from './label-export.ts';
import { growFromSeeds } from './grow-from-seeds.ts';
import { growVolumePreview } from './grow-volume.ts';
import { RawPlanes } from './raw-planes.ts';
import { maskPayload, saveMaskPatches } from './masks.ts';
import { ensureDisplayOrder, upgradeMaskOrder } from './mask-order-upgrade.ts';
import { weightMapOverlay } from './weight-map-overlay.ts';
import { anomalyMap, anomalyModel, setAnomalyModel } from './anomaly-overlay.ts';
import { nextImageToLabel } from './next-image.ts';
import { applyVolumeEdit, interpolationPreview } from './volume-edits.ts';
import { volumeMorphologyPreview } from './volume-morphology.ts';
import { cam, camLayers, evaluate, features, predict } from './predictions.ts';
import { recordedEncoders, startPretraining } from './pretraining.ts';
import { seedSampleProject } from './sample.ts';
import { chooseModel, modelChoice } from './model-choice.ts';
import { startTraining } from './training.ts';
import { WorkbenchContext } from './workbench-context.ts';

export interface WorkbenchOptions {
  workspaceDir: string;
  /** Create the bundled sample project when the workspace has no project yet. */
  seedSample?: boolean;
  /** Force a compute backend (as --backend). */
  backend?: string;
}

export type Workbench = SegworkService & { close(): Promise<void>; readonly workspace: Workspace };

export async function createWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const ws = openWorkspace(options.workspaceDir);
  // Masks saved in a NIfTI file's voxel order by an older Segwork are turned before anything shows or trains on them.
  try {
    await upgradeMaskOrder(ws, (line) => console.error(line));
  } catch (error) {
    ws.close();
    throw error;
  }
  if (options.seedSample && ws.projects.list().length === 0) await seedSampleProject(ws);

  const listeners = new Set<(event: JobEvent) => void>();
  const ctx = new WorkbenchContext(ws, (event) => listeners.forEach((l) => l(event)), options.backend);
  const displayImages = new DisplayImages();
  const rawPlanes = new RawPlanes();
  const batches = new BatchSegmentation(ctx);

  return {
    workspace: ws,
    doctor: async () => doctor(),
    catalogue: async () => catalogue(),

    listProjects: async () => ws.projects.list(),
    createProject: async (name, classes) => ws.projects.create(name, classes),
    updateClasses: async (projectId, classes) => ws.projects.setClasses(projectId, classes),

    addImages: async (projectId, paths, labelsDir) => addImages(ws, projectId, paths, labelsDir),
    uploadImage: async (projectId, fileName, base64) => importUpload(ws, projectId, fileName, base64),
    listImages: async (query) => ws.images.query(query),
    nextImage: async (projectId, exceptImageId) => nextImageToLabel(ws, projectId, exceptImageId ?? null),
    displayImage: async (imageId, displayOptions) => (await ensureDisplayOrder(ws, imageId), displayImages.payload(ws.images.require(imageId), displayOptions)),

    getMask: async (imageId, slice, axis) => (await ensureDisplayOrder(ws, imageId), maskPayload(ws, imageId, slice, axis)),
    saveMaskPatches: async (imageId, baseRevision, patches, slice, axis) => (await ensureDisplayOrder(ws, imageId), saveMaskPatches(ws, imageId, baseRevision, patches, slice, axis)),
    intensityPlane: async (imageId, planeOptions) => (await ensureDisplayOrder(ws, imageId), intensityPlane(rawPlanes, ws.images.require(imageId), planeOptions)),
    growFromSeeds: async (request) => growFromSeeds(rawPlanes, ws.images.require(request.imageId), request),
    growVolume: async (request) => (await ensureDisplayOrder(ws, request.imageId), growVolumePreview(ws, rawPlanes, request)),
    labeledSlices: async (imageId) => ws.masks.labeledSlices(ws.images.require(imageId).id),
    interpolateSlices: async (imageId, axis) => (await ensureDisplayOrder(ws, imageId), interpolationPreview(ws, imageId, axis)),
    morphVolume: async (imageId, request, axis) => (await ensureDisplayOrder(ws, imageId), volumeMorphologyPreview(ws, imageId, request, axis)),
    applyVolumeEdit: async (imageId, edit) => (await ensureDisplayOrder(ws, imageId), applyVolumeEdit(ws, imageId, edit)),
    labelExportFormats: async (imageId) => labelExportFormats(ws.images.require(imageId)),
    exportLabels: async (imageId, format) => exportLabelsPayload(ws, ws.images.require(imageId), format),

    listModels: async (projectId) => ws.models.list(projectId),
    modelChoice: async (projectId) => modelChoice(ws, projectId),
    chooseModel: async (projectId, modelId) => chooseModel(ws, projectId, modelId ?? null),
    startTraining: async (projectId, request) => startTraining(ctx, projectId, request),
    startPretraining: async (projectId, request) => startPretraining(ctx, projectId, request),
    listEncoders: async (projectId) => recordedEncoders(ws, ws.projects.require(projectId).id),
    cancelJob: async (job) => ctx.jobs.cancel(job),

    predict: async (modelId, imageId, slice) => predict(ctx, modelId, imageId, slice),
    cam: async (request) => cam(ctx, request),
    camLayers: async (modelId) => camLayers(ctx, modelId),
    features: async (request) => features(ctx, request),
    evaluate: async (modelId, projectId) => evaluate(ctx, modelId, projectId),
    weightMap: async (request) => (await ensureDisplayOrder(ws, request.imageId), weightMapOverlay(ws, request)),
    setAnomalyModel: async (projectId, dir) => setAnomalyModel(ctx, projectId, dir),
    anomalyModel: async (projectId) => anomalyModel(ctx, projectId),
    anomalyMap: async (request) => anomalyMap(ctx, request),
    listRuns: async (projectId) => ws.runs.list(projectId),

    segmentFolder: async (modelId, inputDir, outputDir) => batches.start(modelId, inputDir, outputDir),
    lastBatchSummary: async (job) => batches.lastSummary(job),

    onJobEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      await ctx.close();
      ws.close();
    },
  };
}
