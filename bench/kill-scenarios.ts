// The five moments of a user's day the kill campaign interrupts: painting in the workbench, training, segment,
// import and pre-training. Each scenario prepares its data once, then runs trials: start the real process, SIGKILL
// it at a random moment, run again as the user would, and list every promise that was broken (empty: it held).
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PNG } from 'pngjs';
import { readMask } from '../src/io/index.ts';
import { openWorkspace } from '../src/store/workspace.ts';
import type { Rng } from '../src/training/rng.ts';
import { writeSquaresDataset } from '../tests/helpers/images.ts';
import { cleanRunMs, integrityProblem, leftoverTemps, modelLoadProblem, REPO_ROOT, runAndKill, runSegwork, startSegwork, type Started } from './kill-trial.ts';

export interface TrialResult {
  /** False when the process ended by itself before the kill came. */
  killed: boolean;
  problems: string[];
}

export interface Scenario {
  name: string;
  /** Prepares the scenario's data under dir; returns the trial to run, numbered from 0. */
  prepare(dir: string): Promise<{ trial: (index: number, rng: Rng, trialDir: string) => Promise<TrialResult>; finish?: () => Promise<void> }>;
}

/** A kill somewhere in the first `span` of a run of `ms` (a few ms past its start at least). */
const drawDelay = (rng: Rng, ms: number, span = 1) => 20 + rng.next() * ms * span;

const readJsonLines = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

// ── painting in the workbench ────────────────────────────────────────────────────────────────────────────────

interface Serve {
  started: Started;
  call<T>(method: string, ...args: unknown[]): Promise<T>;
}

async function startServe(workspace: string): Promise<Serve> {
  const started = startSegwork(['serve', '--port', '0', '--workspace', workspace]);
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: started.child.stdout! }).once('line', resolve);
    started.finished.then((f) => reject(new Error(`segwork serve ended (${f.code}) before printing its address: ${f.stderr}`)));
  });
  const match = /^Workbench: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)$/.exec(firstLine);
  if (!match) throw new Error(`unexpected first line from segwork serve: ${firstLine}`);
  const [, port, token] = match;
  return {
    started,
    async call<T>(method: string, ...args: unknown[]): Promise<T> {
      const response = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-segwork-token': token! },
        body: JSON.stringify(args),
      });
      const body = (await response.json()) as { result?: T; error?: string };
      if (!response.ok) throw new Error(`${method}: HTTP ${response.status}: ${body.error}`);
      return body.result as T;
    },
  };
}

async function stopServe(serve: Serve): Promise<void> {
  serve.started.child.kill('SIGINT');
  const timer = setTimeout(() => serve.started.child.kill('SIGKILL'), 15_000);
  await serve.started.finished;
  clearTimeout(timer);
}

const PAINT_SIDE = 64;

function greyPngBase64(side: number): string {
  const png = new PNG({ width: side, height: side });
  png.data.fill(128);
  return PNG.sync.write(png).toString('base64');
}

/**
 * Strokes go to a real `segwork serve` one after another, as the renderer's autosave sends them: stroke k paints
 * pixel k with class 1. Every stroke the server acknowledged must be in the store after the kill and a restart.
 */
const painting: Scenario = {
  name: 'painting',
  async prepare(dir) {
    if (!existsSync(path.join(REPO_ROOT, 'renderer', 'dist', 'index.html'))) throw new Error('the workbench is not built: run `npm run build:renderer` first');
    const workspace = path.join(dir, 'workspace');
    let serve = await startServe(workspace);
    const project = await serve.call<{ id: number }>('createProject', 'Kill', [{ name: 'background', color: '#000000' }, { name: 'stroke', color: '#ff0000' }]);
    const image = greyPngBase64(PAINT_SIDE);
    /** Per image: how many strokes were acknowledged. */
    const acknowledged = new Map<number, number>();
    return {
      async trial(index, rng) {
        const { id: imageId } = await serve.call<{ id: number }>('uploadImage', project.id, `trial-${index}.png`, image);
        let strokes = 0;
        const painter = (async () => {
          let revision = 0;
          for (let k = 0; k < PAINT_SIDE * PAINT_SIDE; k++) {
            const patch = { x: k % PAINT_SIDE, y: Math.floor(k / PAINT_SIDE), width: 1, height: 1, data: 'AQ==' };
            revision = (await serve.call<{ revision: number }>('saveMaskPatches', imageId, revision, [patch])).revision;
            strokes = k + 1;
          }
        })().catch(() => undefined); // the kill ends it
        const timer = setTimeout(() => serve.started.child.kill('SIGKILL'), drawDelay(rng, 1500));
        const ended = await serve.started.finished;
        clearTimeout(timer);
        await painter;
        acknowledged.set(imageId, strokes);
        serve = await startServe(workspace);
        const problems: string[] = [];
        // This trial's strokes and every earlier trial's.
        for (const [id, count] of acknowledged) {
          const mask = Buffer.from((await serve.call<{ data: string }>('getMask', id)).data, 'base64');
          const lost = mask.subarray(0, count).filter((v) => v !== 1).length;
          if (lost > 0) problems.push(`image ${id}: ${lost} of ${count} acknowledged strokes lost`);
        }
        const integrity = integrityProblem(workspace);
        if (integrity) problems.push(integrity);
        return { killed: ended.signal === 'SIGKILL', problems };
      },
      finish: () => stopServe(serve),
    };
  },
};

// ── training ─────────────────────────────────────────────────────────────────────────────────────────────────

const TRAIN_EPOCHS = 6;

/** Killed anywhere, `train --resume` continues after the last checkpoint, ends completed, and the model loads. */
const training: Scenario = {
  name: 'training',
  async prepare(dir) {
    const data = writeSquaresDataset(path.join(dir, 'data'), 6, 32);
    const workspace = path.join(dir, 'workspace');
    const args = (out: string) => [
      'train', '--images', data.images, '--labels', data.labels, '--out', out, '--model', 'unet', '--preset', 'tiny',
      '--size', '32', '--batch', '2', '--epochs', String(TRAIN_EPOCHS), '--steps', '6', '--patience', '100', '--workspace', workspace, '--json',
    ];
    const ms = await cleanRunMs(args(path.join(dir, 'calibration')));
    return {
      async trial(_index, rng, trialDir) {
        const out = path.join(trialDir, 'model');
        const problems: string[] = [];
        const killed = await runAndKill(args(out), drawDelay(rng, ms));
        // What the kill left must be trustworthy: a model directory that claims to be one loads.
        if (existsSync(path.join(out, 'segwork.json'))) {
          const problem = await modelLoadProblem(out);
          if (problem) problems.push(`after the kill: ${problem}`);
        }
        const stateFile = path.join(out, 'checkpoint', 'state.json');
        const checkpointEpoch = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { epoch: number }).epoch : 0;
        const resumed = await runSegwork([...args(out), '--resume']);
        if (resumed.code !== 0) return { killed: killed.killed, problems: [...problems, `train --resume failed (${resumed.code}): ${resumed.stderr.trim()}`] };
        const events = readJsonLines(resumed.stdout);
        const firstStep = events.find((e) => e.type === 'step');
        if (checkpointEpoch < TRAIN_EPOCHS && firstStep?.epoch !== checkpointEpoch + 1) {
          problems.push(`resume started at epoch ${String(firstStep?.epoch)}, the checkpoint holds epoch ${checkpointEpoch}`);
        }
        const end = events.find((e) => e.type === 'end');
        if (end?.reason !== 'completed' || end.epochs !== TRAIN_EPOCHS) problems.push(`resume ended ${JSON.stringify(end)}`);
        const problem = await modelLoadProblem(out);
        if (problem) problems.push(`after --resume: ${problem}`);
        const integrity = integrityProblem(workspace);
        if (integrity) problems.push(integrity);
        return { killed: killed.killed, problems };
      },
    };
  },
};

// ── segment ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Every file under dir (relative path → bytes). */
function filesUnder(dir: string): Map<string, Buffer> {
  if (!existsSync(dir)) return new Map();
  const names = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(path.join(dir, f), { throwIfNoEntry: false })?.isFile());
  return new Map(names.map((f) => [f, readFileSync(path.join(dir, f))]));
}

/**
 * A killed `segment --geojson` leaves no output under its final name that differs from a clean run's; a re-run then
 * produces exactly a clean run's files, byte for byte, and no temp file.
 */
const segmenting: Scenario = {
  name: 'segment',
  async prepare(dir) {
    const data = writeSquaresDataset(path.join(dir, 'data'), 8, 64);
    const model = path.join(dir, 'model');
    const trained = await runSegwork(['train', '--images', data.images, '--labels', data.labels, '--out', model, '--model', 'unet', '--preset', 'tiny', '--size', '32', '--batch', '2', '--epochs', '1', '--steps', '4']);
    if (trained.code !== 0) throw new Error(`training the segment scenario's model failed: ${trained.stderr}`);
    const args = (out: string) => ['segment', '--model', model, '--in', data.images, '--out', out, '--geojson', '--workers', '1'];
    const referenceDir = path.join(dir, 'reference');
    const ms = await cleanRunMs(args(referenceDir));
    const reference = filesUnder(referenceDir);
    const differences = (out: string, partial: boolean) => {
      const problems: string[] = [];
      for (const [name, bytes] of filesUnder(out)) {
        const expected = reference.get(name);
        if (!expected) {
          if (!partial || !/\.tmp-\d+/.test(name)) problems.push(`unexpected file ${name}`);
        } else if (!expected.equals(bytes)) problems.push(`${name} differs from a clean run's (${bytes.length} bytes, expected ${expected.length})`);
      }
      return problems;
    };
    return {
      async trial(_index, rng, trialDir) {
        const out = path.join(trialDir, 'out');
        const killed = await runAndKill(args(out), drawDelay(rng, ms));
        const problems = differences(out, true).map((p) => `after the kill: ${p}`);
        const rerun = await runSegwork([...args(out), '--json']);
        if (rerun.code !== 0) problems.push(`the re-run failed (${rerun.code}): ${rerun.stderr.trim()}`);
        problems.push(...differences(out, false));
        const present = filesUnder(out);
        for (const name of reference.keys()) if (!present.has(name)) problems.push(`${name} missing after the re-run`);
        for (const temp of leftoverTemps(out)) problems.push(`temp file ${temp} left behind`);
        return { killed: killed.killed, problems };
      },
    };
  },
};

// ── import ───────────────────────────────────────────────────────────────────────────────────────────────────

const IMPORT_IMAGES = 120;

/** A killed `import --labels` run again: every image once, every mask as its file says, one revision each. */
const importing: Scenario = {
  name: 'import',
  async prepare(dir) {
    const data = writeSquaresDataset(path.join(dir, 'data'), IMPORT_IMAGES, 32);
    const args = (workspace: string) => ['import', data.images, '--labels', data.labels, '--project', 'kill', '--workspace', workspace, '--json'];
    const ms = await cleanRunMs(args(path.join(dir, 'calibration')));
    const labels = new Map<string, Uint8Array>();
    for (const name of readdirSync(data.labels)) labels.set(name, (await readMask(path.join(data.labels, name))).data);
    return {
      async trial(_index, rng, trialDir) {
        const workspace = path.join(trialDir, 'workspace');
        const killed = await runAndKill(args(workspace), drawDelay(rng, ms));
        const problems: string[] = [];
        const rerun = await runSegwork(args(workspace));
        if (rerun.code !== 0) problems.push(`the re-run failed (${rerun.code}): ${rerun.stderr.trim()}`);
        const integrity = integrityProblem(workspace);
        if (integrity) problems.push(integrity);
        const ws = openWorkspace(workspace);
        try {
          const project = ws.projects.byName('kill');
          const images = project ? ws.images.query({ projectId: project.id, limit: 1000 }).images : [];
          if (images.length !== IMPORT_IMAGES) problems.push(`${images.length} images in the project, expected ${IMPORT_IMAGES}`);
          if (new Set(images.map((i) => i.name)).size !== images.length) problems.push('an image was imported twice');
          for (const image of images) {
            const revisions = ws.masks.revisions(image.id).length;
            if (revisions !== 1) problems.push(`${image.name}: ${revisions} mask revisions, expected 1`);
            const mask = ws.masks.current(image.id);
            if (!mask || !Buffer.from(mask.data).equals(Buffer.from(labels.get(image.name)!))) problems.push(`${image.name}: the stored mask differs from its file`);
          }
        } finally {
          ws.close();
        }
        return { killed: killed.killed, problems };
      },
    };
  },
};

// ── pre-training ─────────────────────────────────────────────────────────────────────────────────────────────

/** A killed `pretrain` leaves no encoder directory that fails to load, and a re-run writes one that loads. */
const pretraining: Scenario = {
  name: 'pretraining',
  async prepare(dir) {
    const data = writeSquaresDataset(path.join(dir, 'data'), 6, 32);
    const args = (out: string) => ['pretrain', '--images', data.images, '--model', 'unet', '--preset', 'tiny', '--out', out, '--steps', '40', '--size', '32', '--batch', '2', '--json'];
    const ms = await cleanRunMs(args(path.join(dir, 'calibration')));
    return {
      async trial(_index, rng, trialDir) {
        const out = path.join(trialDir, 'encoder');
        const killed = await runAndKill(args(out), drawDelay(rng, ms));
        const problems: string[] = [];
        if (existsSync(path.join(out, 'segwork.json'))) {
          const problem = await modelLoadProblem(out);
          if (problem) problems.push(`after the kill: ${problem}`);
        }
        const rerun = await runSegwork(args(out));
        if (rerun.code !== 0) problems.push(`the re-run failed (${rerun.code}): ${rerun.stderr.trim()}`);
        const problem = await modelLoadProblem(out);
        if (problem) problems.push(`after the re-run: ${problem}`);
        for (const temp of leftoverTemps(out)) problems.push(`temp file ${temp} left behind`);
        return { killed: killed.killed, problems };
      },
    };
  },
};

export const SCENARIOS: Scenario[] = [painting, training, segmenting, importing, pretraining];

export function trialDirFor(root: string, scenario: string, index: number): string {
  const dir = path.join(root, scenario, `trial-${index}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
