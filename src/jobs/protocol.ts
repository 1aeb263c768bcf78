// Messages between the main thread and a compute worker. Typed unions both ways; every request has an id,
// and its replies carry it, so several requests can be in flight and a cancel names what it stops.
import type { ErrorPayload } from '../api/errors.ts';
import type { CamStage, DecodedPrediction } from '../api/service.ts';
import type { BatchEvent, BatchSummary, ClassDef, MetricsReport, PretrainObjective, TrainEvent, TrainOptions } from '../api/types.ts';

/** A labeled image as the worker receives it: pixels are read from the path, the mask comes from the store. */
export interface JobImage {
  name: string;
  imagePath: string;
  /** Slice of a volume the mask belongs to (0 for plain images). */
  slice: number;
  width: number;
  height: number;
  mask: Uint8Array;
}

export interface TrainRequest {
  kind: 'train';
  images: JobImage[];
  classes: ClassDef[];
  options: TrainOptions;
  outDir: string;
  /** Fine-tune from this model directory (live mode) instead of starting fresh. */
  baseModelDir?: string;
  /** Start a fresh model's encoder from this pre-trained encoder directory. */
  initEncoderDir?: string;
}

export interface SegmentRequest {
  kind: 'segment';
  modelDir: string;
  inputDir: string;
  outputDir: string;
  probabilities: boolean;
  overwrite: boolean;
  recursive: boolean;
}

export interface PredictRequest {
  kind: 'predict';
  modelDir: string;
  imagePath: string;
  slice: number;
}

/** What a prediction job returns (the renderer decodes the same shape from the API's payload). */
export type PredictResult = DecodedPrediction;

export interface CamJobRequest {
  kind: 'cam';
  modelDir: string;
  imagePath: string;
  slice: number;
  classIndex: number;
  layer?: string;
  region?: { x: number; y: number; width: number; height: number };
}

export interface CamResult {
  width: number;
  height: number;
  heatmap: Uint8Array;
  layer: string;
}

export interface FeaturesJobRequest {
  kind: 'features';
  modelDir: string;
  imagePath: string;
  slice: number;
  channels: number;
  /** Absent: the first convolution's filters. */
  layer?: string;
}

export interface FeaturesResult {
  width: number;
  height: number;
  grid: Uint8Array;
  layer: string;
  channels: number;
  shown: number;
  columns: number;
}

export interface EvaluateRequest {
  kind: 'evaluate';
  modelDir: string;
  images: JobImage[];
}

export interface CamLayersRequest {
  kind: 'cam-layers';
  modelDir: string;
}

/** Autoencoder pre-training of an architecture's encoder on images (labels unused). */
export interface PretrainRequest {
  kind: 'pretrain';
  imagePaths: string[];
  architecture: string;
  preset: string;
  outDir: string;
  patchSize: number;
  timeBudgetSeconds: number;
  objective?: PretrainObjective;
  stacked?: boolean;
}

export interface PretrainProgress {
  step: number;
  loss: number;
  seconds: number;
}

/** One slice's anomaly map by an anomaly model (src/anomaly). */
export interface AnomalyMapJobRequest {
  kind: 'anomaly-map';
  modelDir: string;
  imagePath: string;
  slice: number;
}

export type JobRequest = TrainRequest | SegmentRequest | PredictRequest | CamJobRequest | EvaluateRequest | CamLayersRequest | FeaturesJobRequest | PretrainRequest | AnomalyMapJobRequest;

export interface JobResults {
  train: { epochs: number; reason: string; bestMeanIoU: number | null; seconds: number };
  segment: BatchSummary;
  predict: PredictResult;
  cam: CamResult;
  evaluate: MetricsReport;
  'cam-layers': { stages: CamStage[]; defaultLayer: string };
  features: FeaturesResult;
  pretrain: { steps: number; seconds: number; firstLoss: number; lastLoss: number; endReason: string };
  'anomaly-map': { width: number; height: number; heatmap: Uint8Array; score: number };
}

export type ToWorker = { type: 'run'; id: number; backend?: string; request: JobRequest } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'train-event'; id: number; event: TrainEvent }
  | { type: 'batch-event'; id: number; event: BatchEvent }
  | { type: 'pretrain-event'; id: number; event: PretrainProgress }
  | { type: 'result'; id: number; value: unknown }
  /** The job's error with its kind, so a user's mistake made in the worker stays one in the main thread. */
  | { type: 'error'; id: number; error: ErrorPayload };
