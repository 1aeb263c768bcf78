// Command-line parsing on node:util parseArgs: unknown options are usage errors, numbers are checked.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends OptionSpec>(argv: string[], options: O, allowPositionals = false) {
  try {
    // Every command takes --help and --workspace (commands that keep no record simply ignore the latter).
    return parseArgs({ args: argv, options: { workspace: { type: 'string' }, ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true } as {
      args: string[];
      options: O;
      allowPositionals: true;
      strict: true;
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function intOption(values: Record<string, unknown>, name: string, fallback: number, min = 0): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

export function numberOption(values: Record<string, unknown>, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${v}"`);
  return n;
}

/** "0,255" → [0, 255]; each value 0..65535, no duplicates. */
export function intListOption(values: Record<string, unknown>, name: string): number[] | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const list = String(v).split(',').map((s) => Number(s.trim()));
  if (list.length < 1 || list.some((n) => !Number.isInteger(n) || n < 0 || n > 65535)) {
    throw new UsageError(`--${name} must be a comma-separated list of integers, got "${v}"`);
  }
  if (new Set(list).size !== list.length) throw new UsageError(`--${name} lists a value twice: "${v}"`);
  return list;
}
