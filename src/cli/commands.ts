// The command table: names and summaries are plain data here, and a command's module (which may pull in tfjs)
// loads only when that command runs or shows its --help, so `segwork --help` and the command list start at once.
import type { Command } from './command.ts';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'doctor', summary: 'List compute engines and backends, which are available and why, and the ones chosen', load: () => import('./doctor.ts').then((m) => m.doctorCommand) },
  { name: 'train', summary: 'Train a segmentation model on a folder of images and a folder of label masks', load: () => import('./train.ts').then((m) => m.trainCommand) },
  { name: 'pretrain', summary: "Pre-train a model's encoder as an autoencoder on unlabeled images (for --init-encoder)", load: () => import('./pretrain.ts').then((m) => m.pretrainCommand) },
  { name: 'anomaly', summary: 'Anomaly maps: train an autoencoder on normal images, then map and score a folder by its reconstruction error', load: () => import('./anomaly.ts').then((m) => m.anomalyCommand) },
  { name: 'eval', summary: 'Score a model on labeled images: per-class IoU, Dice, precision, recall, confusion', load: () => import('./eval.ts').then((m) => m.evalCommand) },
  { name: 'score', summary: 'Compare a folder of predicted masks with a folder of true masks (no model needed)', load: () => import('./score.ts').then((m) => m.scoreCommand) },
  { name: 'segment', summary: 'Segment every image of a folder with a trained model', load: () => import('./segment.ts').then((m) => m.segmentCommand) },
  { name: 'worker', summary: 'Take segmentation jobs from a Redis queue (segment --queue), on any machine that sees the same paths', load: () => import('./worker.ts').then((m) => m.workerCommand) },
  { name: 'batch', summary: 'Status or cancel of a batch queued with segment --queue', load: () => import('./batch.ts').then((m) => m.batchCommand) },
  { name: 'explain', summary: 'Grad-CAM heatmap: which parts of an image made the model see a class', load: () => import('./explain.ts').then((m) => m.explainCommand) },
  { name: 'import', summary: 'Add a folder of images (and label masks) to a workspace project', load: () => import('./import.ts').then((m) => m.importCommand) },
  { name: 'labels', summary: 'Label morphology over a folder of masks: smooth, remove islands, fill holes, keep the largest region, grow, shrink', load: () => import('./labels.ts').then((m) => m.labelsCommand) },
  { name: 'export', summary: "Write every image's current labels of a project: PNG or GeoTIFF masks, NIfTI label maps or DICOM SEG", load: () => import('./export.ts').then((m) => m.exportCommand) },
  { name: 'export-model', summary: 'Write a trained model as an ONNX file, for ONNX Runtime, QGIS Deepness and other tools', load: () => import('./export-model.ts').then((m) => m.exportModelCommand) },
  { name: 'inspect', summary: 'Describe image files: format, size, bands, type, DICOM/NIfTI/GeoTIFF facts, value statistics', load: () => import('./inspect.ts').then((m) => m.inspectCommand) },
  { name: 'models', summary: 'List the model architectures and presets with parameter counts and FLOPs at 256×256', load: () => import('./models.ts').then((m) => m.modelsCommand) },
  { name: 'serve', summary: 'Open the workbench in a browser, served on 127.0.0.1 only', load: () => import('./serve.ts').then((m) => m.serveCommand) },
];
