// Errors a caller can fix, as the contract names them. Carriers answer them as the caller's mistake (HTTP 4xx),
// never as a bug (500), so a wrong choice reads as advice instead of a crash. Every other error is a bug.

/** The request asks for something the core does not offer or accept; the message says what it does. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Input a user gave us (a file, a folder, an upload): always names it and what is wrong with it. */
export class InputError extends UserError {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'InputError';
  }
}

/** A method was called with an argument of the wrong type or shape; the message names the method and the argument. */
export class ArgumentError extends UserError {
  constructor(readonly method: string, readonly argument: string, readonly problem: string) {
    super(`${method}: argument ${argument} ${problem}`);
    this.name = 'ArgumentError';
  }
}

/** A record asked for by id or name does not exist. */
export class NotFoundError extends UserError {
  constructor(readonly what: string) {
    super(`${what} does not exist`);
    this.name = 'NotFoundError';
  }
}

/** A mask save was based on a revision that is no longer the current one; nothing was written. */
export class StaleRevisionError extends UserError {
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

/**
 * Work stopped because its caller cancelled it (not a failure: what it finished is kept). Long jobs return their
 * partial result instead; this is for the work inside them that has nothing partial to give (a tile loop, a volume).
 */
export class CancelledError extends Error {
  constructor(what = 'work') {
    super(`${what} cancelled`);
    this.name = 'CancelledError';
  }
}

/**
 * An error as it crosses a worker thread, IPC or HTTP: its kind's name, its message, and a user error's own fields
 * (plain values such as `file` or `currentRevision`), so the other side can rebuild the same kind.
 */
export interface ErrorPayload {
  name: string;
  message: string;
  fields?: Record<string, unknown>;
}

// Keyed by the names the classes give their instances; object keys survive a minifier, class names may not.
const KINDS: Record<string, new (...args: never[]) => Error> = {
  UserError,
  InputError,
  ArgumentError,
  NotFoundError,
  StaleRevisionError,
  WorkspaceVersionError,
  CancelledError,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
};

export function toErrorPayload(error: unknown): ErrorPayload {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  if (!(error instanceof UserError)) return { name: error.name, message: error.message };
  const { name: _name, ...fields } = { ...error } as Record<string, unknown>;
  return { name: error.name, message: error.message, fields };
}

/**
 * The error a payload describes, as its own kind (instanceof works) with the same message and fields. It is made
 * as an Error and given the kind's prototype, not constructed again, so a kind's constructor may take any
 * arguments. A name this side does not know becomes a plain Error that keeps the name: a bug, as it was.
 */
export function fromErrorPayload(payload: ErrorPayload): Error {
  const error = new Error(payload.message);
  const kind = Object.hasOwn(KINDS, payload.name) ? KINDS[payload.name] : undefined;
  if (kind) Object.setPrototypeOf(error, kind.prototype);
  Object.assign(error, payload.fields);
  error.name = payload.name;
  return error;
}
