// Conversions between JavaScript values and SQLite column values, shared by the repositories.

/** Timestamps are stored as ISO-8601 UTC text, which sorts chronologically. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** SQLite has no NaN (binding one stores NULL); make that explicit so a NOT NULL column fails loudly instead. */
export function realOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined || Number.isNaN(value) ? null : value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}
