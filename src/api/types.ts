// The types every carrier (CLI, loopback server, Electron preload, renderer client) shares.
// Plain data only: no tfjs, no Node, no DOM, so the renderer can import this file.

/** Mask pixel value meaning "not labeled": excluded from loss and metrics. */
export const UNLABELED = 255;

export interface ClassDef {
  index: number;
  name: string;
  /** CSS hex colour, '#rrggbb'. */
  color: string;
}

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface BackendReport {
  name: BackendName;
  available: boolean;
  /** Why it is unavailable, or what it runs on when available. */
  reason: string;
}

export interface OnnxRuntimeReport {
  available: boolean;
  /** Why it cannot load, or its version. */
  reason: string;
  /** Execution providers, in the order automatic choice tries them. */
  providers: { name: string; available: boolean; reason: string }[];
}

export interface DoctorReport {
  /** The tfjs backend: pre-training and CAM, and everything when ONNX Runtime is absent or not chosen. */
  chosen: BackendName;
  /** What runs training steps and forward passes: "onnxruntime (PROVIDER)", or the tfjs backend. */
  engine: string;
  backends: BackendReport[];
  onnxruntime: OnnxRuntimeReport;
  node: string;
  platform: string;
}

/** Per-class scores. NaN (null in JSON) when a class is absent from both truth and prediction. */
export interface ClassScore {
  index: number;
  name: string;
  iou: number | null;
  dice: number | null;
  precision: number | null;
  recall: number | null;
  /** Number of labeled truth pixels of this class. */
  support: number;
}

export interface MetricsReport {
  pixelAccuracy: number | null;
  meanIoU: number | null;
  frequencyWeightedIoU: number | null;
  perClass: ClassScore[];
  /** confusion[truth][pred], labeled pixels only. */
  confusion: number[][];
}

/** An architecture as a front end offers it: its presets, smallest first, and the one a fresh choice starts at. */
export interface ArchitectureInfo {
  name: string;
  description: string;
  presets: string[];
  /** The first preset (quickest to train); null when the architecture has none and trains on its defaults. */
  defaultPreset: string | null;
  /** Config fields picked from a list, with their choices, the default first (U-Net: upsampling); {} when none. */
  choices: Record<string, string[]>;
}

/** What the core offers to choose from; front ends show these and keep no list of their own. */
export interface Catalogue {
  architectures: ArchitectureInfo[];
  /** File name endings read as images, lower case with the dot (".nii.gz"); DICOM files may also have none. */
  imageExtensions: string[];
  /** Colours for new classes, class index modulo its length. */
  palette: string[];
}

export const CLASS_WEIGHTINGS = ['none', 'median-frequency'] as const;

/** What encoder pre-training teaches the autoencoder (src/training/pretrain-settings.ts, pretrain-objectives.ts). */
export const PRETRAIN_OBJECTIVES = ['denoising', 'context', 'sparse', 'contractive', 'variational'] as const;
export type PretrainObjective = (typeof PRETRAIN_OBJECTIVES)[number];

export interface TrainOptions {
  architecture: string;
  preset?: string;
  /** Architecture-specific overrides of the preset. */
  modelConfig?: Record<string, unknown>;
  patchSize: number;
  batchSize: number;
  epochs: number;
  stepsPerEpoch?: number;
  learningRate: number;
  valSplit: number;
  seed: number;
  timeBudgetSeconds?: number;
  earlyStoppingPatience: number;
  classWeighting: (typeof CLASS_WEIGHTINGS)[number];
  diceWeight: number;
  augment: boolean;
  /** U-Net's elastic deformation: displacement σ in pixels on a 3×3 grid (0 or absent: off). */
  elasticSigma?: number;
  /** U-Net's separation weight map as per-pixel loss weights (training/weight-map.ts; w0 10, σ 5 px unless set); absent: off. */
  weightMap?: { foregroundClass: number; w0?: number; sigma?: number };
  /** 2.5D for volumes: this many neighbour slices on each side become extra input bands (0: plain 2D). */
  sliceContext?: number;
}

/** Progress events of a training run. The CLI draws them, the UI charts them. */
export type TrainEvent =
  | {
      type: 'start';
      runId?: number;
      /** What runs the steps: a tfjs backend (wasm, …) or "onnxruntime (PROVIDER)". */
      backend: string;
      totalEpochs: number;
      stepsPerEpoch: number;
      trainImages: number;
      valImages: number;
      parameters: number;
      /** A resumed run: the first step it runs (inside the checkpoint's epoch when that one stopped early). */
      resumedAt?: { epoch: number; step: number };
    }
  | { type: 'step'; epoch: number; step: number; stepsPerEpoch: number; loss: number; imagesPerSecond: number; etaSeconds: number | null }
  | { type: 'epoch'; epoch: number; loss: number; valLoss: number | null; perClassIoU: (number | null)[]; meanIoU: number | null; seconds: number; checkpoint: string }
  | { type: 'end'; reason: 'completed' | 'time-budget' | 'early-stopping' | 'cancelled'; epochs: number; bestMeanIoU: number | null; seconds: number };

/** Progress events of a batch segmentation. */
export type BatchEvent =
  | { type: 'start'; total: number }
  /** `index` counts the files reported so far, from 1: the last file's index is `total`. */
  | { type: 'file'; index: number; total: number; path: string; status: 'done' | 'skipped' | 'failed'; reason?: string; output?: string; seconds: number }
  | { type: 'end'; done: number; skipped: number; failed: number; seconds: number };

export interface BatchFailure {
  path: string;
  reason: string;
}

export interface BatchSummary {
  done: number;
  skipped: number;
  failed: number;
  failures: BatchFailure[];
  seconds: number;
  imagesPerSecond: number;
  /** What ran the forward passes: "onnxruntime (cpu)", "tfjs (wasm)", … (absent when nothing was segmented). */
  engine?: string;
}

// ---- workspace records (as the API returns them) ----

export interface ProjectInfo {
  id: number;
  name: string;
  createdAt: string;
  classes: ClassDef[];
  imageCount: number;
  labeledCount: number;
}

/** A volume's axes: 2 = its slices (k), 1 = rows (j), 0 = columns (i). */
export type VolumeAxis = 0 | 1 | 2;

/** Label morphology's operations (src/labels/morphology.ts runs them), on a plane or on a whole volume. */
export const MORPHOLOGY_OPERATIONS = ['median', 'open', 'close', 'remove-islands', 'fill-holes', 'keep-largest', 'grow', 'shrink'] as const;
export type MorphologyOperation = (typeof MORPHOLOGY_OPERATIONS)[number];

export interface MorphologyRequest {
  operation: MorphologyOperation;
  classIndex: number;
  /** median, open, close: the smoothing radius; grow, shrink: how far the border moves. Whole pixels, 1 or more. */
  radius?: number;
  /** remove-islands: regions of fewer pixels (voxels) than this are removed; 1 or more. */
  minSize?: number;
  /** Pixels joining the class may replace another class's (only unlabeled pixels otherwise). */
  overwrite?: boolean;
}

export const LABEL_STATUSES = ['unlabeled', 'partial', 'labeled'] as const;
export type LabelStatus = (typeof LABEL_STATUSES)[number];

export interface ImageInfo {
  id: number;
  projectId: number;
  path: string;
  name: string;
  width: number;
  height: number;
  channels: number;
  /** 2D slices (volumes) or frames; 1 for plain images. Each slice has its own mask. */
  slices: number;
  modality: string;
  labelStatus: LabelStatus;
  /** Fraction of pixels labeled over all slices, 0..1. */
  labeledFraction: number;
  maskRevision: number | null;
  uncertainty: number | null;
  predicted: boolean;
}

export const IMAGE_SORTS = ['name', 'labeledFraction', 'uncertainty', 'addedAt'] as const;
export type ImageSort = (typeof IMAGE_SORTS)[number];

export interface ImageQuery {
  projectId: number;
  status?: LabelStatus;
  nameContains?: string;
  sort?: ImageSort;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

export interface ModelInfo {
  id: number;
  projectId: number | null;
  name: string;
  architecture: string;
  directory: string;
  createdAt: string;
  classes: ClassDef[];
}

/** The model a project's editor uses (Predict, CAM, live mode) and why, with every model's validation score. */
export interface ModelChoice {
  /** null while the project has no model. */
  modelId: number | null;
  /** 'picked': the user chose it; 'best-validation': the default, the best validated mean IoU (newest among equals). */
  reason: 'picked' | 'best-validation' | 'none';
  /** The best by validation, whether or not it is used. */
  bestModelId: number | null;
  /** The project's models, newest first, each with the best mean IoU its directory's weights reached in validation. */
  models: (ModelInfo & { validationMeanIoU: number | null })[];
}

export interface RunInfo {
  id: number;
  projectId: number | null;
  modelId: number | null;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  backend: string;
  startedAt: string;
  endedAt: string | null;
  config: Record<string, unknown>;
  epochs: EpochMetrics[];
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  valLoss: number | null;
  perClassIoU: (number | null)[];
  meanIoU: number | null;
}

// ---- window/level presets for CT, in Hounsfield units (the display and the renderer share them) ----

export interface DicomWindow {
  center: number;
  width: number;
}

/** Common CT presets (Radiopaedia / RSNA conventions). "soft-tissue" is the mediastinal window. */
export const WINDOW_PRESETS = {
  lung: { center: -600, width: 1500 },
  mediastinum: { center: 50, width: 350 },
  'soft-tissue': { center: 50, width: 350 },
  bone: { center: 400, width: 1800 },
  brain: { center: 40, width: 80 },
  abdomen: { center: 50, width: 400 },
} as const satisfies Record<string, DicomWindow>;

export type WindowPreset = keyof typeof WINDOW_PRESETS;
