// Label masks with full revision history, one history per slice of a volume (slice 0 for plain images). Each save is
// a new revision (deflate-compressed raw bytes); revision numbers are unique per image across its slices. The
// image's labeled fraction (mean over its slices) and status follow in the same transaction.
// Masks of a NIfTI image saved before volumes were shown radiologically (marked by migration 5) are in the file's voxel
// order: refused until turnFileOrderMasks has turned them (use-cases/mask-order-upgrade.ts).
import zlib from 'node:zlib';
import type Database from 'better-sqlite3';
import { UNLABELED, type LabelStatus } from '../api/types.ts';
import { nowIso } from './columns.ts';
import { InputError, NotFoundError, StaleRevisionError, UserError } from '../api/errors.ts';

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
  slices: number;
  class_count: number;
  path: string;
  masks_in_file_order: number;
}

/** An image whose masks are still in its NIfTI file's voxel order (migration 5), to be turned to display order. */
export interface FileOrderImage {
  id: number;
  path: string;
  name: string;
  width: number;
  height: number;
  slices: number;
}

export interface SaveMaskOptions {
  /** Slice of a volume; 0 for plain images. */
  slice?: number;
  /** If given and not the slice's current revision, the save is refused (StaleRevisionError). */
  expectedRevision?: number;
}

/** Current mask rows of every labeled slice of an image (newest revision per slice). */
const CURRENT_PER_SLICE = `
  SELECT m.slice, m.revision, m.labeled_fraction FROM masks m
  WHERE m.image_id = ? AND m.revision = (SELECT max(n.revision) FROM masks n WHERE n.image_id = m.image_id AND n.slice = m.slice)
  ORDER BY m.slice`;

export class MaskRepository {
  private readonly selectImage;
  private readonly selectCurrentRevision;
  private readonly selectLatestRevision;
  private readonly selectSliceFractions;
  private readonly insertMask;
  private readonly updateImage;
  private readonly selectCurrent;
  private readonly selectRevisions;
  private readonly selectFileOrderImages;
  private readonly selectFileOrderImage;
  private readonly selectAllMasks;
  private readonly updateMaskData;
  private readonly clearFileOrderMark;

  constructor(private readonly db: Database.Database) {
    this.selectImage = db.prepare<[number], ImageShape>(`
      SELECT i.width, i.height, i.slices, i.path, i.masks_in_file_order, (SELECT count(*) FROM classes c WHERE c.project_id = i.project_id) AS class_count
      FROM images i WHERE i.id = ?`);
    this.selectCurrentRevision = db.prepare<[number, number], number>('SELECT coalesce(max(revision), 0) FROM masks WHERE image_id = ? AND slice = ?').pluck();
    this.selectLatestRevision = db.prepare<[number], number>('SELECT coalesce(max(revision), 0) FROM masks WHERE image_id = ?').pluck();
    this.selectSliceFractions = db.prepare<[number], { slice: number; revision: number; labeled_fraction: number }>(CURRENT_PER_SLICE);
    this.insertMask = db.prepare<[number, number, number, string, Buffer, number]>(
      'INSERT INTO masks (image_id, slice, revision, created_at, data, labeled_fraction) VALUES (?, ?, ?, ?, ?, ?)');
    this.updateImage = db.prepare<[number, LabelStatus, number]>('UPDATE images SET labeled_fraction = ?, label_status = ? WHERE id = ?');
    this.selectCurrent = db.prepare<[number, number], { revision: number; data: Buffer; width: number; height: number; path: string; masks_in_file_order: number }>(`
      SELECT m.revision, m.data, i.width, i.height, i.path, i.masks_in_file_order FROM masks m JOIN images i ON i.id = m.image_id
      WHERE m.image_id = ? AND m.slice = ? ORDER BY m.revision DESC LIMIT 1`);
    this.selectRevisions = db.prepare<[number, number], MaskRevision>(`
      SELECT revision, created_at AS createdAt, labeled_fraction AS labeledFraction FROM masks WHERE image_id = ? AND slice = ? ORDER BY revision`);
    this.selectFileOrderImages = db.prepare<[], FileOrderImage>('SELECT id, path, name, width, height, slices FROM images WHERE masks_in_file_order = 1 ORDER BY id');
    this.selectFileOrderImage = db.prepare<[number], FileOrderImage>('SELECT id, path, name, width, height, slices FROM images WHERE id = ? AND masks_in_file_order = 1');
    this.selectAllMasks = db.prepare<[number], { id: number; data: Buffer }>('SELECT id, data FROM masks WHERE image_id = ? ORDER BY id');
    this.updateMaskData = db.prepare<[Buffer, number]>('UPDATE masks SET data = ? WHERE id = ?');
    this.clearFileOrderMark = db.prepare<[number]>('UPDATE images SET masks_in_file_order = 0 WHERE id = ?');
  }

  /**
   * Saves a new revision of one slice's mask and returns its number. A slice without a mask is at revision 0. If
   * expectedRevision is given and is not the slice's current revision, throws StaleRevisionError and writes nothing.
   */
  save(imageId: number, mask: Uint8Array, width: number, height: number, options: SaveMaskOptions = {}): number {
    const { slice = 0, expectedRevision } = options;
    if (mask.length !== width * height) {
      throw new UserError(`mask for image ${imageId} has ${mask.length} bytes, expected ${width}×${height} = ${width * height}`);
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

    return this.db.transaction(() => {
      const image = this.selectImage.get(imageId);
      if (!image) throw new NotFoundError(`image ${imageId}`);
      if (image.masks_in_file_order) throw fileOrderError(imageId, image.path);
      if (image.width !== width || image.height !== height) {
        throw new UserError(`mask for image ${imageId} is ${width}×${height} but the image is ${image.width}×${image.height}`);
      }
      if (largestClass >= image.class_count) {
        throw new UserError(`mask for image ${imageId} uses class ${largestClass} but the project has ${image.class_count} classes (0..${image.class_count - 1}, ${UNLABELED} unlabeled)`);
      }
      if (!Number.isInteger(slice) || slice < 0 || slice >= image.slices) {
        throw new UserError(`mask for image ${imageId} is for slice ${slice} but the image has ${image.slices} slice(s) (0..${image.slices - 1})`);
      }
      const current = this.selectCurrentRevision.get(imageId, slice)!;
      if (expectedRevision !== undefined && expectedRevision !== current) throw new StaleRevisionError(imageId, expectedRevision, current);
      const revision = this.selectLatestRevision.get(imageId)! + 1;
      this.insertMask.run(imageId, slice, revision, nowIso(), compressed, fraction);
      const fractions = this.selectSliceFractions.all(imageId);
      const imageFraction = Math.min(1, fractions.reduce((sum, f) => sum + f.labeled_fraction, 0) / image.slices);
      const status: LabelStatus = imageFraction === 0 ? 'unlabeled' : imageFraction === 1 ? 'labeled' : 'partial';
      this.updateImage.run(imageFraction, status, imageId);
      return revision;
    }).immediate();
  }

  /** The newest revision of a slice, or null if that slice has never been labeled. */
  current(imageId: number, slice = 0): StoredMask | null {
    const row = this.selectCurrent.get(imageId, slice);
    if (!row) return null;
    if (row.masks_in_file_order) throw fileOrderError(imageId, row.path);
    const data = new Uint8Array(zlib.inflateSync(row.data));
    if (data.length !== row.width * row.height) {
      throw new InputError(this.db.name, `the workspace file is damaged: mask revision ${row.revision} of image ${imageId} holds ${data.length} bytes, expected ${row.width}×${row.height}`);
    }
    return { revision: row.revision, width: row.width, height: row.height, data };
  }

  /** A slice's newest revision number, 0 when it has never been labeled. */
  currentRevision(imageId: number, slice = 0): number {
    return this.selectCurrentRevision.get(imageId, slice)!;
  }

  /** The newest revision number among all of an image's slices, 0 when none was ever labeled. */
  latestRevision(imageId: number): number {
    return this.selectLatestRevision.get(imageId)!;
  }

  /** Every saved revision of a slice, oldest first. */
  revisions(imageId: number, slice = 0): MaskRevision[] {
    return this.selectRevisions.all(imageId, slice);
  }

  /** Slices whose current mask has at least one labeled pixel, ascending. */
  labeledSlices(imageId: number): number[] {
    return this.selectSliceFractions.all(imageId).filter((f) => f.labeled_fraction > 0).map((f) => f.slice);
  }

  /** Images whose masks are still in their NIfTI file's voxel order, oldest first. */
  fileOrderImages(): FileOrderImage[] {
    return this.selectFileOrderImages.all();
  }

  /** The image, if its masks are still in its NIfTI file's voxel order. */
  fileOrderImage(imageId: number): FileOrderImage | null {
    return this.selectFileOrderImage.get(imageId) ?? null;
  }

  /**
   * Turns every saved revision of a file-order image into display order with `turn` (a permutation of one slice's
   * pixels, so labeled fractions and revision numbers stay) and clears the mark, in one transaction. Returns the
   * revisions turned, or null when the image is no longer marked (another process did it first).
   */
  turnFileOrderMasks(imageId: number, turn: (mask: Uint8Array) => Uint8Array): number | null {
    return this.db.transaction(() => {
      if (!this.selectFileOrderImage.get(imageId)) return null;
      const rows = this.selectAllMasks.all(imageId);
      for (const row of rows) this.updateMaskData.run(zlib.deflateSync(turn(new Uint8Array(zlib.inflateSync(row.data)))), row.id);
      this.clearFileOrderMark.run(imageId);
      return rows.length;
    }).immediate();
  }
}

/** Reading or saving a mask still in file order would pair it with flipped pixels: refused until it is turned. */
function fileOrderError(imageId: number, path: string): UserError {
  return new UserError(`image ${imageId} (${path}): its masks are still in the file's voxel order from before NIfTI volumes were shown radiologically; they are turned to display order once the file can be read again (reopen the workspace)`);
}
