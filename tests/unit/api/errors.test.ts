// The UserError family keeps its kind, message and fields when it crosses a boundary as a payload: structured
// clone (worker threads, Electron IPC) or JSON (HTTP). A bug stays a bug on the other side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ArgumentError,
  fromErrorPayload,
  InputError,
  NotFoundError,
  StaleRevisionError,
  toErrorPayload,
  UserError,
  WorkspaceVersionError,
} from '../../../src/api/errors.ts';
import { InputError as IoInputError } from '../../../src/io/raster.ts';

const USER_ERRORS = [
  new UserError('project "Cells" has no labeled pixels yet'),
  new InputError('/data/em-0.png', 'not a supported image'),
  new ArgumentError('getMask', 'imageId', 'must be an integer, got "abc"'),
  new NotFoundError('image 7'),
  new StaleRevisionError(7, 3, 5),
  new WorkspaceVersionError('/ws/segwork.db', 9, 4),
];

const crossings = {
  'structured clone': (e: unknown) => fromErrorPayload(structuredClone(toErrorPayload(e))),
  JSON: (e: unknown) => fromErrorPayload(JSON.parse(JSON.stringify(toErrorPayload(e)))),
};

test('every user error kind is a UserError, with the message format its callers know', () => {
  for (const error of USER_ERRORS) assert.ok(error instanceof UserError, error.name);
  assert.equal(USER_ERRORS[1]!.message, '/data/em-0.png: not a supported image');
  assert.equal(USER_ERRORS[3]!.message, 'image 7 does not exist');
  assert.equal(USER_ERRORS[4]!.message, 'mask of image 7 is at revision 5, not 3: reload it and apply the change again');
  assert.equal(USER_ERRORS[2]!.message, 'getMask: argument imageId must be an integer, got "abc"');
  assert.ok(USER_ERRORS[5] instanceof InputError, 'a too-new workspace is bad input, as the CLI reports it');
  assert.equal(IoInputError, InputError, 'io readers throw the same InputError class');
});

for (const [crossing, cross] of Object.entries(crossings)) {
  test(`user errors keep their kind, message and fields across ${crossing}`, () => {
    for (const original of USER_ERRORS) {
      const rebuilt = cross(original);
      assert.equal(Object.getPrototypeOf(rebuilt), Object.getPrototypeOf(original), original.name);
      assert.ok(rebuilt instanceof UserError);
      assert.ok(rebuilt instanceof Error);
      assert.equal(rebuilt.name, original.name);
      assert.equal(rebuilt.message, original.message);
      assert.deepEqual({ ...rebuilt }, { ...original }, `${original.name} keeps its fields`);
    }
    const stale = cross(new StaleRevisionError(7, 3, 5)) as StaleRevisionError;
    assert.equal(stale.currentRevision, 5);
    const input = cross(new InputError('/data/x.tif', 'truncated')) as InputError;
    assert.deepEqual([input.file, input.problem], ['/data/x.tif', 'truncated']);
  });

  test(`a bug stays a bug across ${crossing}`, () => {
    const typeError = cross(new TypeError("Cannot read properties of undefined (reading 'width')"));
    assert.ok(typeError instanceof TypeError);
    assert.ok(!(typeError instanceof UserError));
    assert.equal(typeError.message, "Cannot read properties of undefined (reading 'width')");
    const plain = cross(new Error('compute worker stopped (exit code 1)'));
    assert.ok(!(plain instanceof UserError));
    assert.equal(plain.message, 'compute worker stopped (exit code 1)');
    const unknownKind = cross(Object.assign(new Error('x'), { name: 'XnnFailure' }));
    assert.equal(unknownKind.name, 'XnnFailure', 'an unknown kind keeps its name');
    assert.ok(!(unknownKind instanceof UserError), 'and is not mistaken for a user error');
    assert.equal(cross('thrown string').message, 'thrown string');
  });
}
