// Small label planes written as rows of characters, for readable tests: '.' is unlabeled, a digit is a class.
import { UNLABELED } from '../../src/api/types.ts';

export function fromRows(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length;
  const mask = new Uint8Array(width * rows.length);
  rows.forEach((r, y) => [...r].forEach((ch, x) => (mask[y * width + x] = ch === '.' ? UNLABELED : Number(ch))));
  return { mask, width, height: rows.length };
}

export function toRows(mask: Uint8Array, width: number): string[] {
  const rows: string[] = [];
  for (let y = 0; y < mask.length / width; y++) {
    rows.push([...mask.subarray(y * width, (y + 1) * width)].map((v) => (v === UNLABELED ? '.' : String(v))).join(''));
  }
  return rows;
}
