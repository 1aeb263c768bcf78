// Anomaly maps in the workspace: the folder of a project's anomaly model (from `segwork anomaly train`), and each
// image's score from its latest anomaly map, kept like its uncertainty (NULL: never mapped).
import type Database from 'better-sqlite3';
import { NotFoundError } from '../api/errors.ts';

export class AnomalyRepository {
  private readonly selectModel;
  private readonly updateModel;
  private readonly selectScore;
  private readonly updateScore;

  constructor(db: Database.Database) {
    this.selectModel = db.prepare<[number], { anomaly_model: string | null }>('SELECT anomaly_model FROM projects WHERE id = ?');
    this.updateModel = db.prepare<[string | null, number]>('UPDATE projects SET anomaly_model = ? WHERE id = ?');
    this.selectScore = db.prepare<[number], { anomaly: number | null }>('SELECT anomaly FROM images WHERE id = ?');
    this.updateScore = db.prepare<[number | null, number]>('UPDATE images SET anomaly = ? WHERE id = ?');
  }

  /** The project's anomaly model folder, or null when it has none. */
  modelDir(projectId: number): string | null {
    const row = this.selectModel.get(projectId);
    if (!row) throw new NotFoundError(`project ${projectId}`);
    return row.anomaly_model;
  }

  setModelDir(projectId: number, dir: string | null): void {
    if (this.updateModel.run(dir, projectId).changes === 0) throw new NotFoundError(`project ${projectId}`);
  }

  /** The image's latest anomaly score (mean of its map's top 1 % over the normal scale), or null. */
  score(imageId: number): number | null {
    const row = this.selectScore.get(imageId);
    if (!row) throw new NotFoundError(`image ${imageId}`);
    return row.anomaly;
  }

  setScore(imageId: number, score: number | null): void {
    if (score !== null && !(Number.isFinite(score) && score >= 0)) throw new Error(`anomaly score of image ${imageId} must be a finite number >= 0, got ${score}`);
    if (this.updateScore.run(score, imageId).changes === 0) throw new NotFoundError(`image ${imageId}`);
  }
}
