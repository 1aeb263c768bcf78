// Numbered, named schema migrations. The schema version is PRAGMA user_version; each migration runs in its own
// transaction together with the version bump, so a failed or interrupted migration leaves the previous version intact.
// Never edit a released migration: add the next one.
import type Database from 'better-sqlite3';
import { WorkspaceVersionError } from '../api/errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema: projects, classes, images, masks, models, runs, epoch metrics, evaluations',
    sql: `
      CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );

      CREATE TABLE classes (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL CHECK (idx BETWEEN 0 AND 254),
        name TEXT NOT NULL,
        color TEXT NOT NULL,
        PRIMARY KEY (project_id, idx)
      ) WITHOUT ROWID;

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        name TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        width INTEGER NOT NULL CHECK (width > 0),
        height INTEGER NOT NULL CHECK (height > 0),
        channels INTEGER NOT NULL CHECK (channels > 0),
        modality TEXT NOT NULL,
        metadata_json TEXT NOT NULL,
        added_at TEXT NOT NULL,
        labeled_fraction REAL NOT NULL DEFAULT 0 CHECK (labeled_fraction BETWEEN 0 AND 1),
        label_status TEXT NOT NULL DEFAULT 'unlabeled' CHECK (label_status IN ('unlabeled', 'partial', 'labeled')),
        uncertainty REAL,
        predicted INTEGER NOT NULL DEFAULT 0 CHECK (predicted IN (0, 1)),
        UNIQUE (project_id, path)
      );
      -- The image list filters by project and optionally status, and sorts by one of four columns (ties by id, which
      -- every index carries as rowid): one index per sort column, with and without status.
      CREATE INDEX images_by_name ON images(project_id, name COLLATE NOCASE);
      CREATE INDEX images_by_fraction ON images(project_id, labeled_fraction);
      CREATE INDEX images_by_uncertainty ON images(project_id, uncertainty);
      CREATE INDEX images_by_added ON images(project_id, added_at);
      CREATE INDEX images_by_status_name ON images(project_id, label_status, name COLLATE NOCASE);
      CREATE INDEX images_by_status_fraction ON images(project_id, label_status, labeled_fraction);
      CREATE INDEX images_by_status_uncertainty ON images(project_id, label_status, uncertainty);
      CREATE INDEX images_by_status_added ON images(project_id, label_status, added_at);

      -- Every saved revision is kept; the current mask is the highest revision of an image.
      CREATE TABLE masks (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL CHECK (revision > 0),
        created_at TEXT NOT NULL,
        data BLOB NOT NULL,
        labeled_fraction REAL NOT NULL,
        UNIQUE (image_id, revision)
      );

      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        name TEXT NOT NULL,
        architecture TEXT NOT NULL,
        config_json TEXT NOT NULL,
        classes_json TEXT NOT NULL,
        directory TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX models_by_project ON models(project_id);

      CREATE TABLE training_runs (
        id INTEGER PRIMARY KEY,
        project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
        config_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed')),
        backend TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        summary_json TEXT
      );
      CREATE INDEX training_runs_by_project ON training_runs(project_id);
      CREATE INDEX training_runs_by_model ON training_runs(model_id);

      -- loss is NULL when training diverged to NaN (SQLite cannot store NaN).
      CREATE TABLE epoch_metrics (
        run_id INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        loss REAL,
        val_loss REAL,
        per_class_iou_json TEXT NOT NULL,
        mean_iou REAL,
        PRIMARY KEY (run_id, epoch)
      ) WITHOUT ROWID;
      -- Best epoch of a run is the first entry of this index for that run.
      CREATE INDEX epoch_metrics_by_mean_iou ON epoch_metrics(run_id, mean_iou DESC, epoch);

      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        report_json TEXT NOT NULL
      );
      CREATE INDEX evaluations_by_model ON evaluations(model_id);
      CREATE INDEX evaluations_by_project ON evaluations(project_id);

      CREATE TABLE evaluation_images (
        id INTEGER PRIMARY KEY,
        evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        image_id INTEGER REFERENCES images(id) ON DELETE SET NULL,
        path TEXT NOT NULL,
        mean_iou REAL,
        pixel_accuracy REAL
      );
      CREATE INDEX evaluation_images_by_evaluation ON evaluation_images(evaluation_id, mean_iou);
      CREATE INDEX evaluation_images_by_image ON evaluation_images(image_id);
    `,
  },
  {
    version: 2,
    name: 'volumes: slice count per image, one mask history per slice',
    sql: `
      ALTER TABLE images ADD COLUMN slices INTEGER NOT NULL DEFAULT 1 CHECK (slices > 0);
      UPDATE images SET slices = max(1, coalesce(json_extract(metadata_json, '$.slices'), 1));
      -- Revision numbers stay unique per image (across its slices); a slice's current mask is its highest revision.
      ALTER TABLE masks ADD COLUMN slice INTEGER NOT NULL DEFAULT 0 CHECK (slice >= 0);
      CREATE INDEX masks_by_slice ON masks(image_id, slice, revision);
    `,
  },
  {
    version: 3,
    name: 'training runs record the process that runs them, so a run whose process died can be closed',
    sql: `
      ALTER TABLE training_runs ADD COLUMN owner_host TEXT;
      ALTER TABLE training_runs ADD COLUMN owner_pid INTEGER;
    `,
  },
  {
    version: 4,
    name: 'projects remember the model their editor uses, when the user picked one (none: best by validation)',
    sql: `
      ALTER TABLE projects ADD COLUMN model_id INTEGER REFERENCES models(id) ON DELETE SET NULL;
    `,
  },
  {
    version: 5,
    name: 'NIfTI masks saved before volumes were shown radiologically are marked as stored in the file\'s voxel order',
    // Until then the reader showed NIfTI slices in file order, so every mask of such an image (painted, or imported
    // from a label file read the same way) is in that order. Images read since carry displayReversed in their
    // metadata and are in display order already. The masks are turned by use-cases/mask-order-upgrade.ts, which
    // needs each file's affine, and the mark is cleared in the same transaction.
    sql: `
      ALTER TABLE images ADD COLUMN masks_in_file_order INTEGER NOT NULL DEFAULT 0 CHECK (masks_in_file_order IN (0, 1));
      UPDATE images SET masks_in_file_order = 1
      WHERE json_extract(metadata_json, '$.format') = 'nifti' AND json_extract(metadata_json, '$.displayReversed') IS NULL
        AND EXISTS (SELECT 1 FROM masks m WHERE m.image_id = images.id);
    `,
  },
  {
    version: 6,
    name: 'projects may name an anomaly model folder; images keep the score of their latest anomaly map, like uncertainty',
    sql: `
      ALTER TABLE projects ADD COLUMN anomaly_model TEXT;
      ALTER TABLE images ADD COLUMN anomaly REAL;
    `,
  },
];

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to the newest migration. Each step takes the write lock first (BEGIN IMMEDIATE) and re-reads
 * the version inside it, so two processes opening the same new workspace cannot apply a step twice.
 */
export function migrate(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration "${m.name}" is numbered ${m.version}, expected ${i + 1}`);
  });
  const check = (version: number) => {
    if (version > latest) throw new WorkspaceVersionError(file, version, latest);
  };
  check(schemaVersion(db));
  for (const migration of migrations) {
    if (schemaVersion(db) >= migration.version) continue;
    db.transaction(() => {
      const version = schemaVersion(db);
      check(version);
      if (version >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
