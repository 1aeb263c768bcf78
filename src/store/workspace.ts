// The workspace: one SQLite file (workspace.sqlite) in a directory, opened with the settings that make a crash lose
// nothing, migrated to the current schema, and reached through one small repository per table group.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../io/raster.ts';
import { EvaluationRepository } from './evaluations.ts';
import { ImageRepository } from './images.ts';
import { MaskRepository } from './masks.ts';
import { migrate } from './migrations.ts';
import { ModelRepository } from './models.ts';
import { ProjectRepository } from './projects.ts';
import { RunRepository } from './runs.ts';

export const WORKSPACE_FILE = 'workspace.sqlite';

// How long a writer waits for another process's write transaction before failing with SQLITE_BUSY.
const BUSY_TIMEOUT_MS = 5000;

export class Workspace {
  readonly projects: ProjectRepository;
  readonly images: ImageRepository;
  readonly masks: MaskRepository;
  readonly models: ModelRepository;
  readonly runs: RunRepository;
  readonly evaluations: EvaluationRepository;

  constructor(readonly dir: string, readonly file: string, readonly db: Database.Database) {
    this.projects = new ProjectRepository(db);
    this.images = new ImageRepository(db);
    this.masks = new MaskRepository(db);
    this.models = new ModelRepository(db);
    this.runs = new RunRepository(db);
    this.evaluations = new EvaluationRepository(db);
  }

  /**
   * Runs fn in one write transaction; repository calls inside it become savepoints of it. A full disk, an I/O error
   * or a writer that kept the lock past the busy timeout fails as an InputError naming the workspace file.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      throw storageError(this.file, error);
    }
  }

  close(): void {
    if (!this.db.open) return;
    this.db.pragma('optimize');
    this.db.close();
  }
}

/** Opens (creating if needed) the workspace in dir and brings its schema up to date. */
export function openWorkspace(dir: string): Workspace {
  const absoluteDir = path.resolve(dir);
  try {
    fs.mkdirSync(absoluteDir, { recursive: true });
  } catch (error) {
    throw new InputError(absoluteDir, `cannot create the workspace directory (${(error as Error).message})`);
  }
  const file = path.join(absoluteDir, WORKSPACE_FILE);
  let db: Database.Database;
  try {
    // The desktop shell names better-sqlite3's build for Electron's ABI here (electron/native-sqlite.mjs).
    const nativeBinding = process.env.SEGWORK_SQLITE_BINDING;
    db = new Database(file, nativeBinding ? { nativeBinding } : {});
  } catch (error) {
    throw new InputError(file, `cannot open the workspace (${(error as Error).message})`);
  }
  try {
    configure(db, file);
    migrate(db, file);
  } catch (error) {
    db.close();
    throw error;
  }
  const workspace = new Workspace(absoluteDir, file, db);
  workspace.runs.closeOrphans();
  return workspace;
}

/** What the user can do about a failed write, by SQLite's result code; other errors pass through as they are. */
const STORAGE_PROBLEMS: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the disk is full, so this change was not saved; free some space and try again'],
  [/^SQLITE_BUSY/, `another process kept the workspace locked for more than ${BUSY_TIMEOUT_MS / 1000} s, so this change was not saved; try again`],
  [/^SQLITE_IOERR/, 'the disk reported an I/O error, so this change was not saved'],
  [/^SQLITE_READONLY/, 'the workspace cannot be written (read-only file or disk), so this change was not saved'],
];

export function storageError(file: string, error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const problem = STORAGE_PROBLEMS.find(([code]) => code.test(error.code))?.[1];
  return problem ? new InputError(file, `${problem} (${error.code}: ${error.message})`) : error;
}

function configure(db: Database.Database, file: string): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  let mode: unknown;
  try {
    mode = db.pragma('journal_mode = WAL', { simple: true });
  } catch (error) {
    // The first read of a file that is not SQLite fails here, with SQLite's "file is not a database".
    throw new InputError(file, `not a Segwork workspace (${(error as Error).message})`);
  }
  if (mode !== 'wal') throw new InputError(file, `cannot switch the workspace to WAL mode (journal mode stays "${String(mode)}")`);
  // FULL: a committed transaction survives power loss too, not only a crash of the process.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}
