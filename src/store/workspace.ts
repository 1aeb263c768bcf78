// The workspace: one SQLite file (workspace.sqlite) in a directory, opened with the settings that make a crash lose
// nothing, migrated to the current schema, and reached through one small repository per table group.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../io/raster.ts';
import { AnomalyRepository } from './anomaly.ts';
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
  readonly anomaly: AnomalyRepository;

  constructor(readonly dir: string, readonly file: string, readonly db: Database.Database) {
    // The repositories' statements fail as InputErrors naming this file (a damaged page, a full disk, a lock held
    // too long), wherever they run, not only inside transaction().
    const statements = withStorageErrors(db, file);
    this.projects = new ProjectRepository(statements);
    this.images = new ImageRepository(statements);
    this.masks = new MaskRepository(statements);
    this.models = new ModelRepository(statements);
    this.runs = new RunRepository(statements);
    this.evaluations = new EvaluationRepository(statements);
    this.anomaly = new AnomalyRepository(statements);
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
    try {
      this.db.pragma('optimize');
    } catch {
      // Only the query planner's statistics: a full disk or a damaged file must not stop the close, and whatever
      // matters about them was reported by the statement that met it.
    }
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
    checkTables(db, file);
  } catch (error) {
    db.close();
    throw storageError(file, error);
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
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the workspace file is damaged; restore it from a backup (a copy taken while no Segwork process runs)'],
  // A schema that names a collation SQLite lacks, a foreign key to a column that is no key, a table made twice:
  // the schema text itself was damaged, since the migrations write none of these.
  [/^SQLITE_ERROR\w*: (no such collation sequence|foreign key mismatch|table \S+ already exists|malformed)/, 'the workspace file is damaged (its schema); restore it from a backup'],
];

export function storageError(file: string, error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const problem = STORAGE_PROBLEMS.find(([pattern]) => pattern.test(`${error.code}: ${error.message}`))?.[1];
  return problem ? new InputError(file, `${problem} (${error.code}: ${error.message})`) : error;
}

/** `db` whose prepared statements translate SQLite's storage failures with storageError. */
function withStorageErrors(db: Database.Database, file: string): Database.Database {
  const guard = (statement: Database.Statement): Database.Statement =>
    new Proxy(statement, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          try {
            const result: unknown = value.apply(target, args);
            return result === target ? guard(target) : result; // pluck(), raw(), expand() chain
          } catch (error) {
            throw storageError(file, error);
          }
        };
      },
    });
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') {
        return (sql: string) => {
          try {
            return guard(target.prepare(sql));
          } catch (error) {
            throw storageError(file, error);
          }
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Every table with its columns, as `table(column,…)` lines. */
function tableShapes(db: Database.Database): string[] {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[];
  return tables.map((t) => `${t}(${(db.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY name`).pluck().all(t) as string[]).join(',')})`);
}

let expectedShapes: string[] | null = null;

/**
 * The tables must be those the migrations make: a file whose schema was damaged (or changed by another program)
 * is refused here by name, instead of failing later with SQLite's "no such table" in the middle of some command.
 */
function checkTables(db: Database.Database, file: string): void {
  if (!expectedShapes) {
    const fresh = new Database(':memory:');
    try {
      migrate(fresh, ':memory:');
      expectedShapes = tableShapes(fresh);
    } finally {
      fresh.close();
    }
  }
  const actual = new Set(tableShapes(db));
  const missing = expectedShapes.filter((shape) => !actual.has(shape));
  if (missing.length > 0) throw new InputError(file, `the workspace file is damaged: its tables do not match this version's (${missing.join('; ').slice(0, 200)})`);
}

function configure(db: Database.Database, file: string): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  let mode: unknown;
  try {
    mode = db.pragma('journal_mode = WAL', { simple: true });
  } catch (error) {
    // The first read of a file that is not SQLite fails here, with SQLite's "file is not a database"; a damaged one
    // with "database disk image is malformed".
    if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CORRUPT')) throw storageError(file, error);
    throw new InputError(file, `not a Segwork workspace (${(error as Error).message})`);
  }
  if (mode !== 'wal') throw new InputError(file, `cannot switch the workspace to WAL mode (journal mode stays "${String(mode)}")`);
  // FULL: a committed transaction survives power loss too, not only a crash of the process.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}
