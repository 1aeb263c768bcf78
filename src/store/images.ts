// Images of a project: what was added, how much of each is labeled, and the scores that steer labeling.
import type Database from 'better-sqlite3';
import type { ImageInfo, ImageQuery, LabelStatus } from '../api/types.ts';
import { fromJson, nowIso, toJson } from './columns.ts';
import { NotFoundError } from '../api/errors.ts';
import { requireRow } from './references.ts';

export interface NewImage {
  projectId: number;
  /** Where the pixels are read from; unique within a project. */
  path: string;
  name: string;
  contentHash: string;
  width: number;
  height: number;
  channels: number;
  /** 2D slices or frames of a volume; 1 for plain images. */
  slices?: number;
  modality: string;
  metadata?: Record<string, unknown>;
}

/** ImageInfo plus what only the core needs. */
export interface ImageRecord extends ImageInfo {
  contentHash: string;
  metadata: Record<string, unknown>;
  addedAt: string;
}

interface ImageRow {
  id: number;
  project_id: number;
  path: string;
  name: string;
  width: number;
  height: number;
  channels: number;
  slices: number;
  modality: string;
  label_status: LabelStatus;
  labeled_fraction: number;
  uncertainty: number | null;
  predicted: number;
  mask_revision: number | null;
}

interface ImageRecordRow extends ImageRow {
  content_hash: string;
  metadata_json: string;
  added_at: string;
}

// metadata_json is left out of listings: it can be large (DICOM tags) and a page of 50 does not need it.
const INFO_COLUMNS = `i.id, i.project_id, i.path, i.name, i.width, i.height, i.channels, i.slices, i.modality, i.label_status,
  i.labeled_fraction, i.uncertainty, i.predicted,
  (SELECT max(m.revision) FROM masks m WHERE m.image_id = i.id) AS mask_revision`;
const RECORD_COLUMNS = `${INFO_COLUMNS}, i.content_hash, i.metadata_json, i.added_at`;

const SORT_COLUMNS: Record<NonNullable<ImageQuery['sort']>, string> = {
  name: 'i.name COLLATE NOCASE',
  labeledFraction: 'i.labeled_fraction',
  uncertainty: 'i.uncertainty',
  addedAt: 'i.added_at',
};
const STATUSES: readonly LabelStatus[] = ['unlabeled', 'partial', 'labeled'];

export interface BuiltImageQuery {
  pageSql: string;
  countSql: string;
  /** Parameters of the WHERE clause, shared by both statements; the page adds limit and offset. */
  filterParams: (string | number)[];
  limit: number;
  offset: number;
}

/**
 * SQL of one listing. Every (status?, sort) combination has an index, so a page costs offset + limit index steps
 * (and the total one pass over the matching index range); ties break by id so pages are stable. A name filter (LIKE '%x%', case-insensitive for ASCII) cannot use an index
 * and is checked on the rows of the chosen index. Images never scored have NULL uncertainty and sort as the least
 * uncertain.
 */
export function buildImageQuery(query: ImageQuery): BuiltImageQuery {
  const where = ['i.project_id = ?'];
  const filterParams: (string | number)[] = [query.projectId];
  if (query.status !== undefined) {
    if (!STATUSES.includes(query.status)) throw new Error(`unknown label status "${query.status}", expected one of ${STATUSES.join(', ')}`);
    where.push('i.label_status = ?');
    filterParams.push(query.status);
  }
  if (query.nameContains) {
    where.push("i.name LIKE ? ESCAPE '\\'");
    filterParams.push(`%${query.nameContains.replace(/[\\%_]/g, '\\$&')}%`);
  }
  const sort = query.sort ?? 'name';
  if (!Object.hasOwn(SORT_COLUMNS, sort)) throw new Error(`unknown sort "${sort}", expected one of ${Object.keys(SORT_COLUMNS).join(', ')}`);
  const column = SORT_COLUMNS[sort];
  const direction = query.descending ? 'DESC' : 'ASC';
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`offset must be a non-negative integer, got ${offset}`);
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 0)) {
    throw new Error(`limit must be a non-negative integer, got ${query.limit}`);
  }
  const limit = query.limit ?? -1; // SQLite: LIMIT -1 means no limit
  const whereSql = where.join(' AND ');
  return {
    pageSql: `SELECT ${INFO_COLUMNS} FROM images i WHERE ${whereSql} ORDER BY ${column} ${direction}, i.id ${direction} LIMIT ? OFFSET ?`,
    countSql: `SELECT count(*) FROM images i WHERE ${whereSql}`,
    filterParams,
    limit,
    offset,
  };
}

export class ImageRepository {
  private readonly insert;
  private readonly selectByPath;
  private readonly selectById;
  private readonly updateUncertainty;
  private readonly updatePredicted;
  private readonly selectMostUncertainUnlabeled;
  // One prepared statement per distinct listing shape (at most 2 statuses x 2 name filters x 4 sorts x 2 directions).
  private readonly listingStatements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`
      INSERT INTO images (project_id, path, name, content_hash, width, height, channels, slices, modality, metadata_json, added_at)
      VALUES (@projectId, @path, @name, @contentHash, @width, @height, @channels, @slices, @modality, @metadataJson, @addedAt)
      ON CONFLICT (project_id, path) DO NOTHING`);
    this.selectByPath = db.prepare<[number, string], ImageRecordRow>(`SELECT ${RECORD_COLUMNS} FROM images i WHERE i.project_id = ? AND i.path = ?`);
    this.selectById = db.prepare<[number], ImageRecordRow>(`SELECT ${RECORD_COLUMNS} FROM images i WHERE i.id = ?`);
    this.updateUncertainty = db.prepare<[number | null, number]>('UPDATE images SET uncertainty = ? WHERE id = ?');
    this.updatePredicted = db.prepare<[number, number]>('UPDATE images SET predicted = ? WHERE id = ?');
    this.selectMostUncertainUnlabeled = db.prepare<[number, number | null], ImageRow>(`
      SELECT ${INFO_COLUMNS} FROM images i
      WHERE i.project_id = ? AND i.id IS NOT ? AND i.label_status = 'unlabeled' AND i.uncertainty IS NOT NULL
      ORDER BY i.uncertainty DESC, i.id DESC LIMIT 1`);
  }

  /** Adds an image, or returns the one already at this path in the project (unchanged). */
  add(image: NewImage): ImageRecord {
    return this.addMany([image])[0];
  }

  /** Adds images in one transaction; returns them in input order (existing ones as they were). */
  addMany(images: NewImage[]): ImageRecord[] {
    images.forEach(checkNewImage);
    return this.db.transaction(() => {
      for (const projectId of new Set(images.map((image) => image.projectId))) requireRow(this.db, 'projects', projectId);
      const addedAt = nowIso();
      return images.map((image) => {
        this.insert.run({ ...image, slices: image.slices ?? 1, metadataJson: toJson(image.metadata ?? {}), addedAt });
        return toRecord(this.selectByPath.get(image.projectId, image.path)!);
      });
    }).immediate();
  }

  /** The project's image at this path (a file, or a DICOM series path), if it has one. */
  findByPath(projectId: number, imagePath: string): ImageRecord | null {
    const row = this.selectByPath.get(projectId, imagePath);
    return row ? toRecord(row) : null;
  }

  get(id: number): ImageRecord | null {
    const row = this.selectById.get(id);
    return row ? toRecord(row) : null;
  }

  /** Like get, but a missing image is an error. */
  require(id: number): ImageRecord {
    const image = this.get(id);
    if (!image) throw new NotFoundError(`image ${id}`);
    return image;
  }

  /** One page of a project's images and the total that match the filters. */
  query(query: ImageQuery): { total: number; images: ImageInfo[] } {
    const built = buildImageQuery(query);
    const count = this.statement(built.countSql).pluck().get(...built.filterParams) as number;
    const rows = this.statement(built.pageSql).all(...built.filterParams, built.limit, built.offset) as ImageRow[];
    return { total: count, images: rows.map(toInfo) };
  }

  /** Mean normalised entropy of the latest prediction, 0..1; null forgets it. */
  setUncertainty(id: number, value: number | null): void {
    if (value !== null && !(Number.isFinite(value) && value >= 0)) throw new Error(`uncertainty of image ${id} must be a finite number >= 0, got ${value}`);
    if (this.updateUncertainty.run(value, id).changes === 0) throw new NotFoundError(`image ${id}`);
  }

  setPredicted(id: number, predicted: boolean): void {
    if (this.updatePredicted.run(predicted ? 1 : 0, id).changes === 0) throw new NotFoundError(`image ${id}`);
  }

  /** The unlabeled image the model is least sure about (the next one to label), or null if none has a score. */
  mostUncertainUnlabeled(projectId: number, exceptId: number | null = null): ImageInfo | null {
    const row = this.selectMostUncertainUnlabeled.get(projectId, exceptId);
    return row ? toInfo(row) : null;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.listingStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.listingStatements.set(sql, statement);
    }
    return statement;
  }
}

function checkNewImage(image: NewImage): void {
  const where = image.path || '(image without a path)';
  if (!image.path) throw new Error(`${where}: image path must not be empty`);
  for (const key of ['width', 'height', 'channels', 'slices'] as const) {
    const value = image[key] ?? 1;
    if (!Number.isInteger(value) || value < 1) throw new Error(`${where}: ${key} must be a positive integer, got ${value}`);
  }
}

function toInfo(row: ImageRow): ImageInfo {
  return {
    id: row.id,
    projectId: row.project_id,
    path: row.path,
    name: row.name,
    width: row.width,
    height: row.height,
    channels: row.channels,
    slices: row.slices,
    modality: row.modality,
    labelStatus: row.label_status,
    labeledFraction: row.labeled_fraction,
    maskRevision: row.mask_revision,
    uncertainty: row.uncertainty,
    predicted: row.predicted === 1,
  };
}

function toRecord(row: ImageRecordRow): ImageRecord {
  return { ...toInfo(row), contentHash: row.content_hash, metadata: fromJson(row.metadata_json), addedAt: row.added_at };
}
