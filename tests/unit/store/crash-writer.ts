// Child process of crash.test.ts: commits one mask save, then starts a large write transaction and stops inside it,
// waiting to be SIGKILLed. Usage: node --import tsx crash-writer.ts <workspace dir> <first image id> <image count> <side>
import fs from 'node:fs';
import { openWorkspace } from '../../../src/store/workspace.ts';

const [dir, firstId, count, side] = [process.argv[2], ...process.argv.slice(3).map(Number)];
const say = (line: string) => fs.writeSync(1, `${line}\n`); // synchronous, so the parent sees it before we block

const ws = openWorkspace(dir);
// A tiny page cache makes SQLite spill uncommitted pages into the WAL, so the kill leaves a torn transaction on disk.
ws.db.pragma('cache_size = 8');

ws.masks.save(firstId, new Uint8Array(side * side).fill(1), side, side);
say('committed');

let seed = 7;
const noise = () => {
  const mask = new Uint8Array(side * side);
  for (let i = 0; i < mask.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    mask[i] = [0, 1, 255][(seed >>> 16) % 3];
  }
  return mask;
};
ws.transaction(() => {
  for (let id = firstId; id < firstId + count; id++) ws.masks.save(id, noise(), side, side);
  say('in-transaction');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
});
say('not killed');
