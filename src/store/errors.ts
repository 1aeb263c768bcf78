// Errors the store throws on purpose, so callers (API, CLI) can tell them from bugs.
import { InputError } from '../io/raster.ts';

/** A mask save was based on a revision that is no longer the current one; nothing was written. */
export class StaleRevisionError extends Error {
  constructor(readonly imageId: number, readonly expectedRevision: number, readonly currentRevision: number) {
    super(`mask of image ${imageId} is at revision ${currentRevision}, not ${expectedRevision}: reload it and apply the change again`);
    this.name = 'StaleRevisionError';
  }
}

/** The workspace file was written by a newer Segwork (or is not a workspace at all). */
export class WorkspaceVersionError extends InputError {
  constructor(file: string, readonly fileVersion: number, readonly knownVersion: number) {
    super(file, `workspace schema version ${fileVersion} is newer than this Segwork understands (${knownVersion}); update Segwork to open it`);
    this.name = 'WorkspaceVersionError';
  }
}

/** A record asked for by id or name does not exist. */
export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} does not exist`);
    this.name = 'NotFoundError';
  }
}
