// Training runs and their per-epoch metrics.
import os from 'node:os';
import type Database from 'better-sqlite3';
import type { EpochMetrics, RunInfo } from '../api/types.ts';
import { fromJson, nowIso, realOrNull, toJson } from './columns.ts';
import { NotFoundError } from '../api/errors.ts';
import { processAlive } from '../io/stale-temps.ts';
import { requireRow } from './references.ts';

export type RunStatus = RunInfo['status'];

export interface NewRun {
  projectId: number | null;
  modelId: number | null;
  config: Record<string, unknown>;
  backend: string;
}

export interface RunRecord extends RunInfo {
  summary: Record<string, unknown> | null;
}

/** The epoch with the highest mean IoU of a run (the earliest one on a tie). */
export interface BestEpoch {
  runId: number;
  epoch: number;
  meanIoU: number;
}

interface RunRow {
  id: number;
  project_id: number | null;
  model_id: number | null;
  config_json: string;
  status: RunStatus;
  backend: string;
  started_at: string;
  ended_at: string | null;
  summary_json: string | null;
}

interface EpochRow {
  run_id: number;
  epoch: number;
  loss: number | null;
  val_loss: number | null;
  per_class_iou_json: string;
  mean_iou: number | null;
}

const ENDED: readonly RunStatus[] = ['completed', 'cancelled', 'failed'];

// The subquery walks epoch_metrics_by_mean_iou (run_id, mean_iou DESC, epoch): one index seek per run.
const BEST_EPOCHS = `
  SELECT r.id AS runId, b.epoch AS epoch, b.mean_iou AS meanIoU
  FROM training_runs r
  JOIN epoch_metrics b ON b.run_id = r.id AND b.epoch = (
    SELECT e.epoch FROM epoch_metrics e WHERE e.run_id = r.id AND e.mean_iou IS NOT NULL
    ORDER BY e.mean_iou DESC, e.epoch ASC LIMIT 1)`;

export class RunRepository {
  private readonly insertRun;
  private readonly insertEpoch;
  private readonly updateFinish;
  private readonly updateModel;
  private readonly selectRun;
  private readonly selectEpochs;
  private readonly selectAllRuns;
  private readonly selectProjectRuns;
  private readonly selectAllEpochs;
  private readonly selectProjectEpochs;
  private readonly selectAllBest;
  private readonly selectProjectBest;
  private readonly selectRunningHere;

  constructor(private readonly db: Database.Database) {
    this.insertRun = db.prepare<[number | null, number | null, string, string, string, string, number]>(`
      INSERT INTO training_runs (project_id, model_id, config_json, status, backend, started_at, owner_host, owner_pid)
      VALUES (?, ?, ?, 'running', ?, ?, ?, ?)`);
    this.selectRunningHere = db.prepare<[string], { id: number; owner_pid: number }>(
      "SELECT id, owner_pid FROM training_runs WHERE status = 'running' AND owner_host = ? AND owner_pid IS NOT NULL");
    this.insertEpoch = db.prepare<[number, number, number | null, number | null, string, number | null]>(`
      INSERT INTO epoch_metrics (run_id, epoch, loss, val_loss, per_class_iou_json, mean_iou) VALUES (?, ?, ?, ?, ?, ?)`);
    this.updateFinish = db.prepare<[RunStatus, string, string, number]>(
      'UPDATE training_runs SET status = ?, ended_at = ?, summary_json = ? WHERE id = ?');
    this.updateModel = db.prepare<[number | null, number]>('UPDATE training_runs SET model_id = ? WHERE id = ?');
    this.selectRun = db.prepare<[number], RunRow>('SELECT * FROM training_runs WHERE id = ?');
    this.selectEpochs = db.prepare<[number], EpochRow>('SELECT * FROM epoch_metrics WHERE run_id = ? ORDER BY epoch');
    this.selectAllRuns = db.prepare<[], RunRow>('SELECT * FROM training_runs ORDER BY id DESC');
    this.selectProjectRuns = db.prepare<[number], RunRow>('SELECT * FROM training_runs WHERE project_id = ? ORDER BY id DESC');
    this.selectAllEpochs = db.prepare<[], EpochRow>('SELECT * FROM epoch_metrics ORDER BY run_id, epoch');
    this.selectProjectEpochs = db.prepare<[number], EpochRow>(`
      SELECT e.* FROM epoch_metrics e JOIN training_runs r ON r.id = e.run_id WHERE r.project_id = ? ORDER BY e.run_id, e.epoch`);
    this.selectAllBest = db.prepare<[], BestEpoch>(`${BEST_EPOCHS} ORDER BY r.id`);
    this.selectProjectBest = db.prepare<[number], BestEpoch>(`${BEST_EPOCHS} WHERE r.project_id = ? ORDER BY r.id`);
  }

  /** Records a run as 'running' and returns its id. */
  start(run: NewRun): number {
    return this.db.transaction(() => {
      requireRow(this.db, 'projects', run.projectId);
      requireRow(this.db, 'models', run.modelId);
      return Number(this.insertRun.run(run.projectId, run.modelId, toJson(run.config), run.backend, nowIso(), os.hostname(), process.pid).lastInsertRowid);
    }).immediate();
  }

  /**
   * Marks 'failed' every run still 'running' whose process, on this machine, has ended (killed, crashed, power
   * lost) and returns their ids. A run of a live process, or of another machine sharing the folder, is left alone.
   */
  closeOrphans(): number[] {
    const orphans = this.selectRunningHere.all(os.hostname()).filter((r) => r.owner_pid !== process.pid && !processAlive(r.owner_pid));
    if (orphans.length === 0) return [];
    this.db.transaction(() => {
      for (const r of orphans) this.updateFinish.run('failed', nowIso(), toJson({ error: `interrupted: its process (${r.owner_pid}) ended without finishing the run` }), r.id);
    }).immediate();
    return orphans.map((r) => r.id);
  }

  addEpoch(runId: number, metrics: EpochMetrics): void {
    if (!Number.isInteger(metrics.epoch) || metrics.epoch < 0) throw new Error(`run ${runId}: epoch must be a non-negative integer, got ${metrics.epoch}`);
    this.db.transaction(() => {
      const run = this.requireRunning(runId);
      try {
        this.insertEpoch.run(
          run.id, metrics.epoch, realOrNull(metrics.loss), realOrNull(metrics.valLoss),
          toJson(metrics.perClassIoU.map(realOrNull)), realOrNull(metrics.meanIoU));
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new Error(`run ${runId} already has epoch ${metrics.epoch}`);
        throw error;
      }
    }).immediate();
  }

  /** Ends a running run; ending it twice is an error. */
  finish(runId: number, status: Exclude<RunStatus, 'running'>, summary: Record<string, unknown>): void {
    if (!ENDED.includes(status)) throw new Error(`run ${runId}: cannot finish with status "${status}", expected one of ${ENDED.join(', ')}`);
    this.db.transaction(() => {
      this.requireRunning(runId);
      this.updateFinish.run(status, nowIso(), toJson(summary), runId);
    }).immediate();
  }

  /** Links the run to the model it produced (the model is usually registered after the run starts). */
  setModel(runId: number, modelId: number | null): void {
    this.db.transaction(() => {
      requireRow(this.db, 'models', modelId);
      if (this.updateModel.run(modelId, runId).changes === 0) throw new NotFoundError(`training run ${runId}`);
    }).immediate();
  }

  /** The run with its epochs in order, or null. */
  get(runId: number): RunRecord | null {
    const row = this.selectRun.get(runId);
    return row ? toRecord(row, this.selectEpochs.all(runId)) : null;
  }

  /** Newest first, each with its epochs; with a project id, only that project's runs. */
  list(projectId?: number): RunRecord[] {
    const runs = projectId === undefined ? this.selectAllRuns.all() : this.selectProjectRuns.all(projectId);
    const epochs = projectId === undefined ? this.selectAllEpochs.all() : this.selectProjectEpochs.all(projectId);
    const epochsByRun = new Map<number, EpochRow[]>();
    for (const e of epochs) {
      const list = epochsByRun.get(e.run_id) ?? [];
      list.push(e);
      epochsByRun.set(e.run_id, list);
    }
    return runs.map((row) => toRecord(row, epochsByRun.get(row.id) ?? []));
  }

  /** Best epoch of every run that has a mean IoU, by run id; with a project id, only that project's runs. */
  bestEpochs(projectId?: number): BestEpoch[] {
    return projectId === undefined ? this.selectAllBest.all() : this.selectProjectBest.all(projectId);
  }

  private requireRunning(runId: number): RunRow {
    const run = this.selectRun.get(runId);
    if (!run) throw new NotFoundError(`training run ${runId}`);
    if (run.status !== 'running') throw new Error(`training run ${runId} has already ended (${run.status})`);
    return run;
  }
}

function toEpoch(row: EpochRow): EpochMetrics {
  return {
    epoch: row.epoch,
    loss: row.loss ?? Number.NaN,
    valLoss: row.val_loss,
    perClassIoU: fromJson<(number | null)[]>(row.per_class_iou_json),
    meanIoU: row.mean_iou,
  };
}

function toRecord(row: RunRow, epochs: EpochRow[]): RunRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    modelId: row.model_id,
    status: row.status,
    backend: row.backend,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    config: fromJson<Record<string, unknown>>(row.config_json),
    summary: row.summary_json === null ? null : fromJson<Record<string, unknown>>(row.summary_json),
    epochs: epochs.map(toEpoch),
  };
}
