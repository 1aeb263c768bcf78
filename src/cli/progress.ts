// Progress for long commands: a redrawn bar on a TTY, plain lines otherwise, JSON lines with --json.
import type { CliIO } from './command.ts';

export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly stream: CliIO['stderr']) {}

  /** Redraws at most 10 times a second; a no-op when the stream is not a terminal. */
  update(fraction: number, text: string, force = false): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - text.length - 12));
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    const line = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${text}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, (this.stream.columns ?? 120) - 1)}`);
    this.drawn = true;
  }

  /** Ends the bar's line so the next output starts clean. */
  clear(): void {
    if (this.drawn && this.stream.isTTY) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** Prints a line above the bar. */
  log(line: string): void {
    this.clear();
    this.stream.write(line + '\n');
  }
}

export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** JSON that writes NaN and ±Infinity as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
