// Checks that a referenced row exists, so a bad id fails as "model 7 does not exist" rather than SQLite's
// anonymous "FOREIGN KEY constraint failed". The foreign keys still guard the data; this only names the culprit.
import type Database from 'better-sqlite3';
import { NotFoundError } from '../api/errors.ts';

const LABELS = { projects: 'project', models: 'model', images: 'image', training_runs: 'training run', evaluations: 'evaluation' } as const;
export type ReferencedTable = keyof typeof LABELS;

const statements = new WeakMap<Database.Database, Map<ReferencedTable, Database.Statement<[number], unknown>>>();

/** Throws NotFoundError unless the row exists; null and undefined are optional references and pass. */
export function requireRow(db: Database.Database, table: ReferencedTable, id: number | null | undefined): void {
  if (id === null || id === undefined) return;
  let byTable = statements.get(db);
  if (!byTable) statements.set(db, (byTable = new Map()));
  let statement = byTable.get(table);
  if (!statement) byTable.set(table, (statement = db.prepare<[number], unknown>(`SELECT 1 FROM ${table} WHERE id = ?`)));
  if (statement.get(id) === undefined) throw new NotFoundError(`${LABELS[table]} ${id}`);
}
