// Label masks with full revision history. Each save is a new revision (deflate-compressed raw bytes); the image's
// labeled fraction and status follow the newest revision in the same transaction.
import zlib from 'node:zlib';
import type Database from 'better-sqlite3';
import { UNLABELED, type LabelStatus } from '../api/types.ts';
import { nowIso } from './columns.ts';
import { NotFoundError, StaleRevisionError } from './errors.ts';

export interface StoredMask {
  revision: number;
  width: number;
  height: number;
  /** width*height class indexes, row-major, 255 unlabeled. */
  data: Uint8Array;
}

export interface MaskRevision {
  revision: number;
  createdAt: string;
  labeledFraction: number;
}

interface ImageShape {
  width: number;
  height: number;
  class_count: number;
}

export class MaskRepository {
  private readonly selectImage;
  private readonly selectCurrentRevision;
  private readonly insertMask;
  private readonly updateImage;
  private readonly selectCurrent;
  private readonly selectRevisions;

  constructor(private readonly db: Database.Database) {
    this.selectImage = db.prepare<[number], ImageShape>(`
      SELECT i.width, i.height, (SELECT count(*) FROM classes c WHERE c.project_id = i.project_id) AS class_count
      FROM images i WHERE i.id = ?`);
    this.selectCurrentRevision = db.prepare<[number], number>('SELECT coalesce(max(revision), 0) FROM masks WHERE image_id = ?').pluck();
    this.insertMask = db.prepare<[number, number, string, Buffer, number]>(
      'INSERT INTO masks (image_id, revision, created_at, data, labeled_fraction) VALUES (?, ?, ?, ?, ?)');
    this.updateImage = db.prepare<[number, LabelStatus, number]>('UPDATE images SET labeled_fraction = ?, label_status = ? WHERE id = ?');
    this.selectCurrent = db.prepare<[number], { revision: number; data: Buffer; width: number; height: number }>(`
      SELECT m.revision, m.data, i.width, i.height FROM masks m JOIN images i ON i.id = m.image_id
      WHERE m.image_id = ? ORDER BY m.revision DESC LIMIT 1`);
    this.selectRevisions = db.prepare<[number], MaskRevision>(`
      SELECT revision, created_at AS createdAt, labeled_fraction AS labeledFraction FROM masks WHERE image_id = ? ORDER BY revision`);
  }

  /**
   * Saves a new revision and returns its number. An image without a mask is at revision 0. If expectedRevision is
   * given and is not the current revision, throws StaleRevisionError and writes nothing.
   */
  save(imageId: number, mask: Uint8Array, width: number, height: number, expectedRevision?: number): number {
    if (mask.length !== width * height) {
      throw new Error(`mask for image ${imageId} has ${mask.length} bytes, expected ${width}×${height} = ${width * height}`);
    }
    // Scan and compress before taking the write lock, so other writers wait only for the inserts.
    let labeled = 0;
    let largestClass = -1;
    for (let i = 0; i < mask.length; i++) {
      const value = mask[i];
      if (value !== UNLABELED) {
        labeled++;
        if (value > largestClass) largestClass = value;
      }
    }
    const compressed = zlib.deflateSync(mask);
    const fraction = mask.length === 0 ? 0 : labeled / mask.length;
    const status: LabelStatus = labeled === 0 ? 'unlabeled' : labeled === mask.length ? 'labeled' : 'partial';

    return this.db.transaction(() => {
      const image = this.selectImage.get(imageId);
      if (!image) throw new NotFoundError(`image ${imageId}`);
      if (image.width !== width || image.height !== height) {
        throw new Error(`mask for image ${imageId} is ${width}×${height} but the image is ${image.width}×${image.height}`);
      }
      if (largestClass >= image.class_count) {
        throw new Error(`mask for image ${imageId} uses class ${largestClass} but the project has ${image.class_count} classes (0..${image.class_count - 1}, ${UNLABELED} unlabeled)`);
      }
      const current = this.selectCurrentRevision.get(imageId)!;
      if (expectedRevision !== undefined && expectedRevision !== current) throw new StaleRevisionError(imageId, expectedRevision, current);
      const revision = current + 1;
      this.insertMask.run(imageId, revision, nowIso(), compressed, fraction);
      this.updateImage.run(fraction, status, imageId);
      return revision;
    }).immediate();
  }

  /** The newest revision, or null if the image has never been labeled. */
  current(imageId: number): StoredMask | null {
    const row = this.selectCurrent.get(imageId);
    if (!row) return null;
    const data = new Uint8Array(zlib.inflateSync(row.data));
    if (data.length !== row.width * row.height) {
      throw new Error(`mask revision ${row.revision} of image ${imageId} holds ${data.length} bytes, expected ${row.width}×${row.height}`);
    }
    return { revision: row.revision, width: row.width, height: row.height, data };
  }

  /** Every saved revision, oldest first. */
  revisions(imageId: number): MaskRevision[] {
    return this.selectRevisions.all(imageId);
  }
}
