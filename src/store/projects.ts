// Projects and their class lists.
import type Database from 'better-sqlite3';
import type { ClassDef, ProjectInfo } from '../api/types.ts';
import { nowIso } from './columns.ts';
import { NotFoundError } from '../api/errors.ts';

interface ProjectRow {
  id: number;
  name: string;
  created_at: string;
  image_count: number;
  labeled_count: number;
}

interface ClassRow {
  project_id: number;
  idx: number;
  name: string;
  color: string;
}

// labeledCount counts images with any labeled pixel (partial or labeled): those are what training can use.
const PROJECT_COLUMNS = `
  p.id, p.name, p.created_at,
  (SELECT count(*) FROM images i WHERE i.project_id = p.id) AS image_count,
  (SELECT count(*) FROM images i WHERE i.project_id = p.id AND i.label_status IN ('partial', 'labeled')) AS labeled_count`;

const COLOR = /^#[0-9a-fA-F]{6}$/;

export class ProjectRepository {
  private readonly insertProject;
  private readonly insertClass;
  private readonly deleteClasses;
  private readonly selectById;
  private readonly selectByName;
  private readonly selectAll;
  private readonly selectClasses;
  private readonly selectAllClasses;

  constructor(private readonly db: Database.Database) {
    this.insertProject = db.prepare<[string, string]>('INSERT INTO projects (name, created_at) VALUES (?, ?)');
    this.insertClass = db.prepare<[number, number, string, string]>('INSERT INTO classes (project_id, idx, name, color) VALUES (?, ?, ?, ?)');
    this.deleteClasses = db.prepare<[number]>('DELETE FROM classes WHERE project_id = ?');
    this.selectById = db.prepare<[number], ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.id = ?`);
    this.selectByName = db.prepare<[string], ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.name = ?`);
    this.selectAll = db.prepare<[], ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects p ORDER BY p.name COLLATE NOCASE, p.id`);
    this.selectClasses = db.prepare<[number], ClassRow>('SELECT * FROM classes WHERE project_id = ? ORDER BY idx');
    this.selectAllClasses = db.prepare<[], ClassRow>('SELECT * FROM classes ORDER BY project_id, idx');
  }

  /** Creates a project; classes get indexes 0..n-1 in the order given. */
  create(name: string, classes: Omit<ClassDef, 'index'>[]): ProjectInfo {
    const trimmed = name.trim();
    if (trimmed === '') throw new Error('project name must not be empty');
    const defs = normalizeClasses(classes.map((c, index) => ({ index, name: c.name, color: c.color })));
    const id = this.db.transaction(() => {
      if (this.selectByName.get(trimmed)) throw new Error(`a project named "${trimmed}" already exists`);
      const projectId = Number(this.insertProject.run(trimmed, nowIso()).lastInsertRowid);
      for (const c of defs) this.insertClass.run(projectId, c.index, c.name, c.color);
      return projectId;
    }).immediate();
    return this.require(id);
  }

  get(id: number): ProjectInfo | null {
    const row = this.selectById.get(id);
    return row ? this.toInfo(row, this.selectClasses.all(id)) : null;
  }

  byName(name: string): ProjectInfo | null {
    const row = this.selectByName.get(name.trim());
    return row ? this.toInfo(row, this.selectClasses.all(row.id)) : null;
  }

  /** All projects by name. */
  list(): ProjectInfo[] {
    const classesByProject = new Map<number, ClassRow[]>();
    for (const c of this.selectAllClasses.all()) {
      const list = classesByProject.get(c.project_id) ?? [];
      list.push(c);
      classesByProject.set(c.project_id, list);
    }
    return this.selectAll.all().map((row) => this.toInfo(row, classesByProject.get(row.id) ?? []));
  }

  /** Replaces the class list; indexes must be exactly 0..n-1. Existing masks are not rewritten. */
  setClasses(projectId: number, classes: ClassDef[]): ProjectInfo {
    const sorted = [...classes].sort((a, b) => a.index - b.index);
    sorted.forEach((c, i) => {
      if (c.index !== i) throw new Error(`class indexes must be 0..${sorted.length - 1} without gaps; got ${sorted.map((d) => d.index).join(', ')}`);
    });
    const defs = normalizeClasses(sorted);
    this.db.transaction(() => {
      if (!this.selectById.get(projectId)) throw new NotFoundError(`project ${projectId}`);
      this.deleteClasses.run(projectId);
      for (const c of defs) this.insertClass.run(projectId, c.index, c.name, c.color);
    }).immediate();
    return this.require(projectId);
  }

  /** Like get, but a missing project is an error. */
  require(id: number): ProjectInfo {
    const project = this.get(id);
    if (!project) throw new NotFoundError(`project ${id}`);
    return project;
  }

  private toInfo(row: ProjectRow, classes: ClassRow[]): ProjectInfo {
    return {
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      classes: classes.map((c) => ({ index: c.idx, name: c.name, color: c.color })),
      imageCount: row.image_count,
      labeledCount: row.labeled_count,
    };
  }
}

/** Checks a class list (indexes already 0..n-1) and trims the names. */
function normalizeClasses(classes: ClassDef[]): ClassDef[] {
  // 255 is the unlabeled value, so at most 255 classes (0..254).
  if (classes.length > 255) throw new Error(`a project can have at most 255 classes, got ${classes.length}`);
  const seen = new Set<string>();
  return classes.map((c) => {
    const name = c.name.trim();
    if (name === '') throw new Error(`class ${c.index} has an empty name`);
    if (seen.has(name)) throw new Error(`class name "${name}" is used twice`);
    seen.add(name);
    if (!COLOR.test(c.color)) throw new Error(`class "${name}" has colour "${c.color}", expected #rrggbb`);
    return { index: c.index, name, color: c.color };
  });
}
