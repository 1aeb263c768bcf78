// The one door into the core. The loopback server, the Electron preload and the renderer client are all derived
// from this interface; nothing else of the core is reachable from the UI.
import type {
  BatchSummary,
  Catalogue,
  ClassDef,
  DoctorReport,
  ImageInfo,
  ImageQuery,
  MetricsReport,
  ModelChoice,
  ModelInfo,
  PretrainObjective,
  ProjectInfo,
  RunInfo,
  TrainEvent,
  TrainOptions,
  BatchEvent,
  VolumeAxis,
  MorphologyRequest,
} from './types.ts';

/** A label mask as it travels: class index per pixel, 255 unlabeled, base64 of raw bytes (row-major). */
export interface MaskPayload {
  width: number;
  height: number;
  /** base64 of width*height bytes. */
  data: string;
  revision: number;
}

/** A rectangular patch of a mask: what one stroke changes. */
export interface MaskPatch {
  x: number;
  y: number;
  width: number;
  height: number;
  /** base64 of width*height bytes. */
  data: string;
}

/** One plane of a volume edit: its index along the edit's axis and its labels afterwards. */
export interface VolumeEditSlice {
  slice: number;
  /** base64 of the plane's width*height class indexes (255 unlabeled). */
  after: string;
}

/**
 * Whole planes of a volume to replace at once (interpolation between slices, and other tools that edit several
 * slices): computed as a preview, applied in one transaction, undone as one step.
 */
export interface VolumeEdit {
  axis: VolumeAxis;
  /** The image's newest mask revision the edit was computed from: a plane saved after it makes the edit stale. */
  baseRevision: number;
  slices: VolumeEditSlice[];
}

/** Label morphology on a whole volume, as a volume edit of the planes it changes, with its voxel counts. */
export interface VolumeMorphologyEdit extends VolumeEdit {
  /** Voxels that joined the class. */
  added: number;
  /** Voxels that left it (now unlabeled). */
  removed: number;
}

/** An applied volume edit: the newest revision it wrote, and the edit that puts every plane back as it was. */
export interface AppliedVolumeEdit {
  revision: number;
  undo: VolumeEdit;
}

/** A prediction decoded from its payload: what the worker computes and the renderer draws. */
export interface DecodedPrediction {
  width: number;
  height: number;
  numClasses: number;
  mask: Uint8Array;
  /** uint8-quantised probabilities, class-major planes. */
  probabilities: Uint8Array;
  /** uint8 normalised entropy. */
  uncertainty: Uint8Array;
  /** Mean normalised entropy, 0..1. */
  uncertaintyScore: number;
}

export interface PredictionPayload {
  width: number;
  height: number;
  numClasses: number;
  /** base64 of argmax class per pixel. */
  mask: string;
  /** base64 of uint8-quantised probabilities, class-major: numClasses planes of width*height. */
  probabilities: string;
  /** base64 of uint8-quantised normalised entropy (0..255). */
  uncertainty: string;
  /** Mean normalised entropy of the image, 0..1. */
  uncertaintyScore: number;
}

export interface DisplayImageOptions {
  window?: { center: number; width: number };
  /** Band indices shown as R, G, B (one index: grey). */
  bands?: number[];
  /** Longest edge of the result, e.g. 160 for a thumbnail. */
  maxSize?: number;
  /** Slice of a volume (0 for plain images), along `axis`. */
  slice?: number;
  /** Volumes: 2 (default) shows the volume's own slices, 1 planes of constant row (coronal), 0 of constant column (sagittal). */
  axis?: VolumeAxis;
}

export interface IntensityPlaneOptions {
  /** Band of a multi-band raster (0 for grey images and scans). */
  band?: number;
  /** Slice of a volume (0 for plain images), along `axis`. */
  slice?: number;
  axis?: VolumeAxis;
}

/** One plane's raw values in one band (Hounsfield units for CT), for threshold painting. */
export interface IntensityPlanePayload {
  width: number;
  height: number;
  band: number;
  /** How many bands the image has. */
  bands: number;
  /** base64 of width*height little-endian Float32 values, row-major; nodata as NaN. */
  data: string;
  /** Smallest and largest value of the plane (nodata left out); null when every pixel is nodata. */
  min: number | null;
  max: number | null;
}

export const LABEL_EXPORT_FORMATS = ['png', 'color-png', 'geotiff', 'geojson', 'nifti', 'dicom-seg'] as const;
export type LabelExportFormat = (typeof LABEL_EXPORT_FORMATS)[number];

export interface LabelExportPayload {
  /** Suggested file name: the image's stem, ".labels" and the format's extension, e.g. "ct.labels.nii.gz". */
  fileName: string;
  mime: string;
  /** base64 of the file's bytes. */
  data: string;
}

export interface DisplayImagePayload {
  mime: 'image/png' | 'image/jpeg';
  /** base64 of the image file's bytes. */
  data: string;
  width: number;
  height: number;
}

export interface CamRequest {
  modelId: number;
  imageId: number;
  classIndex: number;
  /** Slice of a volume (0 for plain images). */
  slice?: number;
  layer?: string;
  region?: { x: number; y: number; width: number; height: number };
}

/** A stage of the network CAM offers by name, and the layer whose output it is: { name: 'encoder stage 2', layer: 'enc2_relu2' }. */
export interface CamStage {
  name: string;
  layer: string;
}

/** Feature maps of one layer for an image's slice, or with no layer the first convolution's learnt filters. */
export interface FeaturesRequest {
  modelId: number;
  imageId: number;
  slice?: number;
  /** A layer name (camLayers' stages name them); absent: the filters. */
  layer?: string;
  /** At most this many channels or filters (default 64). */
  channels?: number;
}

/** A grid of grayscale cells, one per channel or filter, each scaled to its own range. */
export interface FeaturesPayload {
  width: number;
  height: number;
  /** base64 of uint8 gray, row-major. */
  grid: string;
  layer: string;
  /** The layer's channels (or filters), of which the grid shows `shown`, in `columns` columns. */
  channels: number;
  shown: number;
  columns: number;
}

/** U-Net's separation weight map of an image's current labels (training/weight-map.ts), for the overlay. */
export interface WeightMapRequest {
  imageId: number;
  /** Slice of a volume (0 for plain images). */
  slice?: number;
  /** The class whose objects are kept apart. */
  foregroundClass: number;
  w0?: number;
  sigma?: number;
}

export interface WeightMapPayload {
  width: number;
  height: number;
  /** base64 of uint8 weights scaled so that maxWeight is 255. */
  heatmap: string;
  maxWeight: number;
  /** Objects of the foreground class found; 0: the map is the class weights alone. */
  objects: number;
}

/** A project's anomaly model (a folder from `segwork anomaly train`), as the workbench shows it. */
export interface AnomalyModelInfo {
  dir: string;
  objective: 'variational' | 'plain';
  /** Smoothing of the maps, in pixels. */
  sigma: number;
  trainImages: number;
  inputChannels: number;
}

export interface AnomalyMapRequest {
  imageId: number;
  /** Slice of a volume (0 for plain images). */
  slice?: number;
}

export interface AnomalyMapPayload {
  width: number;
  height: number;
  /** base64 of the uint8 map: 128 is the normal scale (the training images' 99th percentile), 255 twice it or more. */
  heatmap: string;
  /** Mean of the map's top 1 % over the normal scale: about 1 on normal images, higher on unlike ones. */
  score: number;
}

export interface CamPayload {
  width: number;
  height: number;
  /** base64 of uint8 heatmap (0..255). */
  heatmap: string;
  layer: string;
}

/** Grow from seeds on one plane: the labels the editor holds now (its strokes are the seeds) and where to grow. */
export interface GrowRequest {
  imageId: number;
  /** Slice of a volume (0 for plain images), along `axis` (default 2). */
  slice?: number;
  axis?: VolumeAxis;
  /** base64 of the plane's labels (width*height values, 255 unlabeled), run-length coded (src/labels/run-length.ts). */
  labels: string;
  /** Only this rectangle grows; the rest is returned as it was. */
  roi?: { x: number; y: number; width: number; height: number };
  /** Plane connectivity, 4 (default) or 8. */
  neighbours?: 4 | 8;
}

/**
 * Grow from seeds through a volume: the saved strokes of every slice are the seeds. `roi` limits it to a rectangle
 * of the planes along `axis` and, with `first`/`last` (plane indexes, inclusive), to a range of them.
 */
export interface GrowVolumeRequest {
  imageId: number;
  /** The axis the planes of the returned edit lie along (default 2, the volume's own slices). */
  axis?: VolumeAxis;
  roi?: { x: number; y: number; width: number; height: number; first?: number; last?: number };
}

/** The grown plane: every unlabeled pixel (inside the ROI) carries a class; seeds are unchanged. */
export interface GrownPlane {
  width: number;
  height: number;
  /** base64 of the width*height grown labels, run-length coded like the request's. */
  data: string;
}

/** Encoder pre-training progress: a step, then the end. */
export type PretrainEvent =
  | { type: 'step'; step: number; loss: number; seconds: number }
  | { type: 'end'; steps: number; seconds: number; firstLoss: number; lastLoss: number; endReason: string; encoderDir: string };

export interface PretrainOptions {
  architecture: string;
  preset: string;
  timeBudgetSeconds: number;
  /** What the autoencoder learns from (default denoising). */
  objective?: PretrainObjective;
  /** Greedy layer-wise, one encoder stage at a time. */
  stacked?: boolean;
}

/** A pre-trained encoder recorded for a project, used by the next Train of the same architecture and preset. */
export interface EncoderInfo {
  architecture: string;
  preset: string;
  directory: string;
}

/** What a caller may set for a training run; everything else takes the workbench's defaults. */
export type StartTrainingRequest = Partial<TrainOptions> & { name?: string; baseModelId?: number; initEncoderDir?: string };

/**
 * How every long job (training, pre-training, batch segmentation) ends. Cancelling loses nothing finished: a
 * cancelled training keeps its saved epochs, a cancelled batch its segmented files (lastBatchSummary), a cancelled
 * pre-training its encoder so far.
 */
export type JobStatus = 'done' | 'cancelled' | 'failed';

export type JobEvent =
  | { job: number; kind: 'train'; event: TrainEvent }
  | { job: number; kind: 'pretrain'; event: PretrainEvent }
  | { job: number; kind: 'batch'; event: BatchEvent }
  /** A job failed (sent just before its 'end' event). */
  | { job: number; kind: 'error'; message: string }
  /** The last event of every job. */
  | { job: number; kind: 'end'; status: JobStatus };

export interface SegworkService {
  doctor(): Promise<DoctorReport>;
  /** What a front end may offer: architectures with their presets and default preset. */
  catalogue(): Promise<Catalogue>;

  listProjects(): Promise<ProjectInfo[]>;
  createProject(name: string, classes: Omit<ClassDef, 'index'>[]): Promise<ProjectInfo>;
  updateClasses(projectId: number, classes: ClassDef[]): Promise<ProjectInfo>;
  /**
   * Adds every readable image under a folder; returns what was added and what failed, with reasons. With `labelsDir`,
   * masks of the same file name become the images' labels: gray masks as class indices, colour (RGB or palette)
   * masks through the project's class colours; a mask with a colour no class has fails with the colours' counts and
   * first positions.
   */
  addImages(projectId: number, paths: string[], labelsDir?: string): Promise<{ added: ImageInfo[]; labeled: number; failed: { path: string; reason: string }[] }>;
  /** Adds one image from bytes (drag and drop); the file is stored in the workspace. */
  uploadImage(projectId: number, fileName: string, base64: string): Promise<ImageInfo>;
  listImages(query: ImageQuery): Promise<{ total: number; images: ImageInfo[] }>;
  /**
   * The image to label next: the unlabeled one the last predictions were least sure of, else the first unlabeled
   * one by name; never `exceptImageId` (the one open now). Null when every other image has labels.
   */
  nextImage(projectId: number, exceptImageId?: number): Promise<ImageInfo | null>;
  /**
   * The image ready to show: the original 8-bit PNG/JPEG as it is, or an 8-bit PNG rendered with a window, a band
   * choice or, for `maxSize`, subsampled (thumbnails).
   */
  displayImage(imageId: number, options?: DisplayImageOptions): Promise<DisplayImagePayload>;

  /**
   * The current labels of one slice (0 for plain images); all unlabeled at revision 0 when none was saved. `axis`
   * (volumes, default 2 = the volume's own slices) gives the plane along another axis, as displayImage shows it.
   */
  getMask(imageId: number, slice?: number, axis?: VolumeAxis): Promise<MaskPayload>;
  /**
   * Applies stroke patches to one slice's (or plane's) labels, on top of the newest revision, so strokes from two
   * windows merge; `merged` says another save came after `baseRevision` (reload to see it). A patch covering the
   * whole plane replaces the labels: against a stale `baseRevision` it is refused with StaleRevisionError.
   */
  saveMaskPatches(imageId: number, baseRevision: number, patches: MaskPatch[], slice?: number, axis?: VolumeAxis): Promise<{ revision: number; merged: boolean }>;
  /**
   * The raw values of one plane in one band, read like displayImage's plane (same slice and axis), for threshold
   * painting: Hounsfield units for CT, a band's own values for rasters. A band or slice the image lacks is an
   * ArgumentError naming it.
   */
  intensityPlane(imageId: number, options?: IntensityPlaneOptions): Promise<IntensityPlanePayload>;
  /**
   * Grows the request's labels over the plane by competitive region growing on the image's raw intensities (every
   * band); nothing is saved. Fewer than two classes seeded (inside the ROI) is a UserError saying two are needed.
   */
  growFromSeeds(request: GrowRequest): Promise<GrownPlane>;
  /**
   * A preview (nothing is saved) of growing the volume's saved strokes through its voxels in 3D (6 neighbours),
   * inside the ROI when given: the planes along the axis that the growth changes, for applyVolumeEdit. Fewer than
   * two classes seeded (inside the ROI), or an image that is not a volume, is a UserError.
   */
  growVolume(request: GrowVolumeRequest): Promise<VolumeEdit>;
  /** Slices of a volume that have labeled pixels, ascending. */
  labeledSlices(imageId: number): Promise<number[]>;
  /**
   * A preview (nothing is saved) filling the unlabeled planes along `axis` (default 2) between labeled ones, per
   * class by shape-based interpolation; labeled planes are kept. Fewer than two labeled planes is a UserError.
   */
  interpolateSlices(imageId: number, axis?: VolumeAxis): Promise<VolumeEdit>;
  /**
   * A preview (nothing is saved) of one morphology operation on one class of the whole volume, in 3D (islands and
   * components with 26-connectivity, holes closed in 3D, grow and shrink by a ball of voxels), as the changed planes
   * along `axis` (default 2). A bad request, a plain image, or a class with no voxel is a UserError.
   */
  morphVolume(imageId: number, request: MorphologyRequest, axis?: VolumeAxis): Promise<VolumeMorphologyEdit>;
  /**
   * Saves every plane of a volume edit in one transaction; refused with StaleRevisionError, writing nothing, when
   * one of the slices it writes was saved after `edit.baseRevision`. Applying the returned `undo` reverts it.
   */
  applyVolumeEdit(imageId: number, edit: VolumeEdit): Promise<AppliedVolumeEdit>;
  /**
   * The image's labels as a file to save: 'png' (2D, class index per pixel, 255 unlabeled), 'color-png' (2D, RGBA in
   * the class colours, unlabeled transparent), 'geotiff' (the same as
   * a GeoTIFF with the source's CRS and geotransform, 255 declared nodata), 'geojson' (each class's regions as
   * polygons, in the source's CRS when it has one), 'nifti' (a volume's label map with the
   * source geometry, unlabeled as 0) or 'dicom-seg' (a DICOM SEG referencing the source series).
   */
  exportLabels(imageId: number, format: LabelExportFormat): Promise<LabelExportPayload>;
  /** The formats exportLabels accepts for this image, the default first: decided by the file's real format. */
  labelExportFormats(imageId: number): Promise<LabelExportFormat[]>;

  listModels(projectId?: number): Promise<ModelInfo[]>;
  /** The model the project's editor uses: the user's pick, else the best by validation; with every model's score. */
  modelChoice(projectId: number): Promise<ModelChoice>;
  /** Picks the model the project's editor uses; no model id goes back to the best by validation. */
  chooseModel(projectId: number, modelId?: number): Promise<ModelChoice>;
  /**
   * Starts training on the project's labels in a worker; progress arrives as JobEvents. No preset means the
   * architecture's default one; an unknown architecture or preset is a UserError. A fresh model starts from
   * `initEncoderDir`, else from the project's recorded pre-trained encoder of that architecture and preset if any;
   * the reply names the encoder used.
   */
  startTraining(projectId: number, options: StartTrainingRequest): Promise<{ job: number; initEncoderDir?: string }>;
  /** Pre-trains an encoder as an autoencoder on all the project's images in a worker; progress as JobEvents. */
  startPretraining(projectId: number, options: PretrainOptions): Promise<{ job: number }>;
  /** The project's recorded pre-trained encoders. */
  listEncoders(projectId: number): Promise<EncoderInfo[]>;
  cancelJob(job: number): Promise<void>;
  /** Predicts one slice (0 for plain images). */
  predict(modelId: number, imageId: number, slice?: number): Promise<PredictionPayload>;
  cam(request: CamRequest): Promise<CamPayload>;
  /** The network's stages CAM offers, in the order they run, and the default layer (the deepest encoder stage's). */
  camLayers(modelId: number): Promise<{ stages: CamStage[]; defaultLayer: string }>;
  /** What the network sees: a layer's feature maps for the image, or the first convolution's filters. */
  features(request: FeaturesRequest): Promise<FeaturesPayload>;
  evaluate(modelId: number, projectId: number): Promise<MetricsReport>;
  /** The separation weight map training would use for the image's current labels. */
  weightMap(request: WeightMapRequest): Promise<WeightMapPayload>;
  /** Chooses the project's anomaly model folder (from `segwork anomaly train`); without one, the project has none. */
  setAnomalyModel(projectId: number, dir?: string): Promise<AnomalyModelInfo | null>;
  anomalyModel(projectId: number): Promise<AnomalyModelInfo | null>;
  /** The slice's anomaly map by its project's anomaly model; the score is kept as the image's anomaly score. */
  anomalyMap(request: AnomalyMapRequest): Promise<AnomalyMapPayload>;
  listRuns(projectId?: number): Promise<RunInfo[]>;
  segmentFolder(modelId: number, inputDir: string, outputDir: string): Promise<{ job: number }>;
  lastBatchSummary(job: number): Promise<BatchSummary | null>;

  /** Subscribes to job events; returns an unsubscribe function. */
  onJobEvent(listener: (event: JobEvent) => void): () => void;
}
