// Evaluations of a model on a project's labeled images: the overall report and one score row per image.
import type Database from 'better-sqlite3';
import type { MetricsReport } from '../api/types.ts';
import { fromJson, nowIso, realOrNull, toJson } from './columns.ts';
import { requireRow } from './references.ts';

export interface EvaluatedImage {
  imageId?: number | null;
  path: string;
  meanIoU: number | null;
  pixelAccuracy: number | null;
}

export interface EvaluationRecord {
  id: number;
  modelId: number;
  projectId: number | null;
  createdAt: string;
  report: MetricsReport;
}

interface EvaluationRow {
  id: number;
  model_id: number;
  project_id: number | null;
  created_at: string;
  report_json: string;
}

export class EvaluationRepository {
  private readonly insertEvaluation;
  private readonly insertImage;
  private readonly selectByModel;
  private readonly selectImages;

  constructor(private readonly db: Database.Database) {
    this.insertEvaluation = db.prepare<[number, number | null, string, string]>(
      'INSERT INTO evaluations (model_id, project_id, created_at, report_json) VALUES (?, ?, ?, ?)');
    this.insertImage = db.prepare<[number, number | null, string, number | null, number | null]>(
      'INSERT INTO evaluation_images (evaluation_id, image_id, path, mean_iou, pixel_accuracy) VALUES (?, ?, ?, ?, ?)');
    this.selectByModel = db.prepare<[number], EvaluationRow>('SELECT * FROM evaluations WHERE model_id = ? ORDER BY id DESC');
    // Worst first: that is where a user looks for what the model gets wrong. Images without a score come last.
    this.selectImages = db.prepare<[number], EvaluatedImage & { imageId: number | null }>(`
      SELECT image_id AS imageId, path, mean_iou AS meanIoU, pixel_accuracy AS pixelAccuracy FROM evaluation_images
      WHERE evaluation_id = ? ORDER BY mean_iou IS NULL, mean_iou, id`);
  }

  /** Stores the report and per-image scores in one transaction; returns the evaluation id. */
  add(modelId: number, projectId: number | null, report: MetricsReport, perImage: EvaluatedImage[]): number {
    return this.db.transaction(() => {
      requireRow(this.db, 'models', modelId);
      requireRow(this.db, 'projects', projectId);
      const id = Number(this.insertEvaluation.run(modelId, projectId, nowIso(), toJson(report)).lastInsertRowid);
      for (const image of perImage) {
        requireRow(this.db, 'images', image.imageId);
        this.insertImage.run(id, image.imageId ?? null, image.path, realOrNull(image.meanIoU), realOrNull(image.pixelAccuracy));
      }
      return id;
    }).immediate();
  }

  /** A model's evaluations, newest first. */
  list(modelId: number): EvaluationRecord[] {
    return this.selectByModel.all(modelId).map((row) => ({
      id: row.id,
      modelId: row.model_id,
      projectId: row.project_id,
      createdAt: row.created_at,
      report: fromJson<MetricsReport>(row.report_json),
    }));
  }

  /** Per-image scores of one evaluation, worst mean IoU first. */
  images(evaluationId: number): EvaluatedImage[] {
    return this.selectImages.all(evaluationId);
  }
}
