// The server's status for a failed call comes from the error's kind, not its name: the caller's mistakes are 4xx,
// anything else is a bug (500), including a TypeError the core did not mean to throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError, fromErrorPayload, InputError, NotFoundError, StaleRevisionError, toErrorPayload, UserError, WorkspaceVersionError } from '../../../src/api/errors.ts';
import { httpStatusOf } from '../../../src/server/error-status.ts';
import { UnknownMethodError } from '../../../src/server/methods.ts';

const cases: [Error, number][] = [
  [new NotFoundError('image 7'), 404],
  [new UnknownMethodError('close'), 404],
  [new StaleRevisionError(7, 3, 5), 409],
  [new UserError('project "Cells" has no labeled pixels yet'), 400],
  [new InputError('/data/em-0.png', 'not a supported image'), 400],
  [new WorkspaceVersionError('/ws/segwork.db', 9, 4), 400],
  [new ArgumentError('getMask', 'imageId', 'must be an integer, got "abc"'), 400],
  [new TypeError("Cannot read properties of undefined (reading 'width')"), 500],
  [new RangeError('Invalid array length'), 500],
  [new Error('mask revision 3 of image 7 holds 12 bytes, expected 4×4'), 500],
];

test('status by kind: 404 unknown ids, 409 stale revision, 400 other user errors, 500 bugs', () => {
  for (const [error, status] of cases) assert.equal(httpStatusOf(error), status, `${error.name}: ${error.message}`);
  assert.equal(httpStatusOf('a thrown string'), 500);
});

test('an error rebuilt from a worker thread gets the status of its kind', () => {
  for (const [error, status] of cases) {
    if (error instanceof UnknownMethodError) continue; // never thrown in a worker
    assert.equal(httpStatusOf(fromErrorPayload(structuredClone(toErrorPayload(error)))), status, error.name);
  }
});
