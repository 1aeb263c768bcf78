// Small runtime checks for the JSON arguments a carrier hands to the service: what TypeScript promises inside the
// core, checked at the door, so a wrong type is the caller's 400 naming the argument, not a crash deep inside.
// Hand-written instead of a schema library: a dozen combinators cover the service's parameters.

/** Where inside the argument the problem is (".epochs", "[2].color", "" for the value itself) and what it is. */
export interface Problem {
  path: string;
  problem: string;
}

/**
 * Checks one value. The phantom `type` ties a check to the parameter type it guards, so the method table fails to
 * compile when a check's type does not fit its parameter.
 */
export interface Check<T> {
  (value: unknown): Problem | undefined;
  readonly type?: T;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  return 'an object';
}

const leaf =
  <T>(test: (value: unknown) => boolean, expected: string): Check<T> =>
  (value) =>
    test(value) ? undefined : { path: '', problem: `must be ${expected}, got ${describe(value)}` };

export const integer: Check<number> = leaf(Number.isSafeInteger, 'an integer');
/** Ids (SQLite rowids, job numbers) start at 1. */
export const positiveInteger: Check<number> = leaf((v) => Number.isSafeInteger(v) && (v as number) > 0, 'a positive integer');
/** Offsets, counts and slice numbers. */
export const nonNegativeInteger: Check<number> = leaf((v) => Number.isSafeInteger(v) && (v as number) >= 0, 'an integer ≥ 0');
export const number: Check<number> = leaf((v) => typeof v === 'number' && Number.isFinite(v), 'a number');
export const numberIn = (min: number, max: number): Check<number> => leaf((v) => typeof v === 'number' && v >= min && v <= max, `a number in [${min}, ${max}]`);
export const string: Check<string> = leaf((v) => typeof v === 'string', 'a string');
export const boolean: Check<boolean> = leaf((v) => typeof v === 'boolean', 'true or false');

export const oneOf = <const T extends readonly (string | number)[]>(choices: T): Check<T[number]> =>
  leaf((v) => choices.includes(v as T[number]), `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);

/** An optional parameter or field: absent (undefined) passes; JSON's null is turned into undefined by the carrier. */
export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (value) =>
    value === undefined ? undefined : check(value);

export const array =
  <T>(item: Check<T>): Check<T[]> =>
  (value) => {
    if (!Array.isArray(value)) return { path: '', problem: `must be an array, got ${describe(value)}` };
    for (const [i, element] of value.entries()) {
      const found = item(element);
      if (found) return { path: `[${i}]${found.path}`, problem: found.problem };
    }
    return undefined;
  };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Any JSON object; what is inside is the method's business (e.g. an architecture's own config). */
export const anyObject: Check<Record<string, unknown>> = leaf(isPlainObject, 'an object');

type Checked<C> = C extends Check<infer T> ? T : never;

/** An object with exactly these fields: an unknown field is refused, so a misspelt option is not silently ignored. */
export const object =
  <S extends Record<string, Check<unknown>>>(shape: S): Check<{ [K in keyof S]: Checked<S[K]> }> =>
  (value) => {
    if (!isPlainObject(value)) return { path: '', problem: `must be an object, got ${describe(value)}` };
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(shape, key)) return { path: '', problem: `has an unknown field "${key}" (fields: ${Object.keys(shape).join(', ')})` };
    }
    for (const [key, check] of Object.entries(shape)) {
      const found = check(value[key]);
      if (found) return { path: `.${key}${found.path}`, problem: found.problem };
    }
    return undefined;
  };
