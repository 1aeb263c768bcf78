// Trained models known to the workspace. The weights live in `directory` (model.json + segwork.json); this table is
// the index the UI lists and runs and evaluations point at.
import type Database from 'better-sqlite3';
import type { ClassDef, ModelInfo } from '../api/types.ts';
import { fromJson, nowIso, toJson } from './columns.ts';
import { NotFoundError } from '../api/errors.ts';
import { requireRow } from './references.ts';

export interface NewModel {
  projectId: number | null;
  name: string;
  architecture: string;
  config: Record<string, unknown>;
  classes: ClassDef[];
  directory: string;
}

export interface ModelRecord extends ModelInfo {
  config: Record<string, unknown>;
}

interface ModelRow {
  id: number;
  project_id: number | null;
  name: string;
  architecture: string;
  config_json: string;
  classes_json: string;
  directory: string;
  created_at: string;
}

export class ModelRepository {
  private readonly insert;
  private readonly selectById;
  private readonly selectAll;
  private readonly selectByProject;
  private readonly selectScores;
  private readonly selectChosen;
  private readonly updateChosen;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`
      INSERT INTO models (project_id, name, architecture, config_json, classes_json, directory, created_at)
      VALUES (@projectId, @name, @architecture, @configJson, @classesJson, @directory, @createdAt)`);
    this.selectById = db.prepare<[number], ModelRow>('SELECT * FROM models WHERE id = ?');
    this.selectAll = db.prepare<[], ModelRow>('SELECT * FROM models ORDER BY id DESC');
    this.selectByProject = db.prepare<[number], ModelRow>('SELECT * FROM models WHERE project_id = ? ORDER BY id DESC');
    // A model directory holds the best epoch of the last run that trained it (a fine-tune writes over it), so that
    // run's best validated mean IoU is the model's score.
    this.selectScores = db.prepare<[number], { id: number; score: number | null }>(`
      SELECT m.id, (
        SELECT max(e.mean_iou) FROM epoch_metrics e
        WHERE e.run_id = (
          SELECT r.id FROM training_runs r
          WHERE r.model_id = m.id AND EXISTS (SELECT 1 FROM epoch_metrics x WHERE x.run_id = r.id)
          ORDER BY r.id DESC LIMIT 1)
      ) AS score
      FROM models m WHERE m.project_id = ?`);
    this.selectChosen = db.prepare<[number], { model_id: number | null }>('SELECT model_id FROM projects WHERE id = ?');
    this.updateChosen = db.prepare<[number | null, number]>('UPDATE projects SET model_id = ? WHERE id = ?');
  }

  add(model: NewModel): ModelRecord {
    if (!model.name.trim()) throw new Error('model name must not be empty');
    if (!model.directory) throw new Error(`model "${model.name}" has no directory`);
    requireRow(this.db, 'projects', model.projectId);
    const result = this.insert.run({
      projectId: model.projectId,
      name: model.name.trim(),
      architecture: model.architecture,
      configJson: toJson(model.config),
      classesJson: toJson(model.classes),
      directory: model.directory,
      createdAt: nowIso(),
    });
    return this.get(Number(result.lastInsertRowid))!;
  }

  get(id: number): ModelRecord | null {
    const row = this.selectById.get(id);
    return row ? toRecord(row) : null;
  }

  /** Newest first; with a project id, only that project's models. */
  list(projectId?: number): ModelRecord[] {
    const rows = projectId === undefined ? this.selectAll.all() : this.selectByProject.all(projectId);
    return rows.map(toRecord);
  }

  /** Each of the project's models by id, with its best validated mean IoU (null: no validated epoch recorded). */
  validationScores(projectId: number): Map<number, number | null> {
    return new Map(this.selectScores.all(projectId).map((r) => [r.id, r.score]));
  }

  /** The model the user picked for the project's editor; null when none was picked (or it was deleted). */
  chosenFor(projectId: number): number | null {
    return this.selectChosen.get(projectId)?.model_id ?? null;
  }

  /** Records the user's pick for the project; null forgets it. */
  choose(projectId: number, modelId: number | null): void {
    requireRow(this.db, 'projects', projectId);
    this.updateChosen.run(modelId, projectId);
  }

  require(id: number): ModelRecord {
    const model = this.get(id);
    if (!model) throw new NotFoundError(`model ${id}`);
    return model;
  }
}

function toRecord(row: ModelRow): ModelRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    architecture: row.architecture,
    directory: row.directory,
    createdAt: row.created_at,
    classes: fromJson<ClassDef[]>(row.classes_json),
    config: fromJson<Record<string, unknown>>(row.config_json),
  };
}
