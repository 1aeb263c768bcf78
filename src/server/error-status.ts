// The HTTP status of a failed call, decided by the error's kind: a caller's mistake is 4xx with its message, and
// only an error that is not a UserError (a bug in the core) is 500.
import { NotFoundError, StaleRevisionError, UserError } from '../api/errors.ts';

export function httpStatusOf(error: unknown): number {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof StaleRevisionError) return 409;
  if (error instanceof UserError) return 400;
  return 500;
}
