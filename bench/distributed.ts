// Segmenting through the Redis queue (issue 18) on this one machine: images/s of `segwork segment --queue` with
// 1, 2 and 4 `segwork worker` processes, beside `segwork segment` on the same folder and model in the same run, and
// what the queue itself costs: no-op jobs per second through BullMQ (enqueue + process + complete) and the Redis
// commands and bytes per job.
//   npm run bench:distributed -- [--images 120] [--workers 1,2,4] [--noop-jobs 2000] [--noop-concurrency 1,8]
//                                 [--model MODEL_DIR]
// It starts its own redis-server on a free port (scripts/local-redis.ts) and trains a tiny U-Net for one short epoch
// on the ISBI 2012 training set (or takes --model). The folder is --images symbolic links cycling through the 30
// unlabelled ISBI 512² EM images. Every time is the wall clock of the command that queues or segments: it includes
// loading the model (in each worker, on its first job) but not the workers' own start, which happens before.
// The workers share this machine's cores: each believes it has them all (one job thread computing with every core),
// so beyond the core count they only take turns. Prints a table; writes bench/results/distributed-<time>.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { startLocalRedis } from '../scripts/local-redis.ts';
import { openRedis, parseQueueUrl } from '../src/queue/connection.ts';
import { JOB_OPTIONS } from '../src/queue/enqueue.ts';
import { KEY_PREFIX } from '../src/queue/jobs.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SEGWORK = path.join(ROOT, 'bin/segwork.js');
const ISBI = path.resolve(ROOT, '../shared/data/isbi2012-membrane');

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '120' },
    workers: { type: 'string', default: '1,2,4' },
    'noop-jobs': { type: 'string', default: '2000' },
    'noop-concurrency': { type: 'string', default: '1,8' },
    model: { type: 'string' },
  },
});

function positiveInts(value: string, flag: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} takes positive integers, got '${value}'`);
    return n;
  });
}

const imageCount = positiveInts(args.images!, 'images')[0]!;
const workerCounts = positiveInts(args.workers!, 'workers');
const noopJobs = positiveInts(args['noop-jobs']!, 'noop-jobs')[0]!;
const noopConcurrencies = positiveInts(args['noop-concurrency']!, 'noop-concurrency');
const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

interface Finished { code: number | null; stdout: string; stderr: string; seconds: number }

/** `segwork ARGS` to its end, timed by the wall clock. */
function segwork(argv: string[]): Promise<Finished> {
  const started = performance.now();
  const child = spawn(process.execPath, [SEGWORK, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 })));
}

function summaryOf(run: Finished, what: string): { done: number; failed: number; engine?: string } {
  const line = run.stdout.trim().split('\n').reverse().find((l) => l.includes('"type":"summary"'));
  if (run.code !== 0 || !line) throw new Error(`${what} failed (exit ${run.code}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line);
}

interface WorkerProcess { child: ChildProcess; log: () => string }

/** A `segwork worker` process, resolved once it has said it is taking jobs. */
function startWorker(url: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [SEGWORK, 'worker', '--queue', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      log += d;
      if (/Ctrl-C to stop/.test(log)) resolve({ child, log: () => log });
    });
    child.on('exit', (code) => reject(new Error(`segwork worker exited (${code}) before taking jobs: ${log.trim()}`)));
  });
}

async function stopWorker(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null) return;
  const exited = new Promise((resolve) => worker.child.on('exit', resolve));
  worker.child.kill('SIGINT');
  await exited;
}

/** Redis's own counts since the last reset: commands by name (those run inside BullMQ's Lua scripts included) and bytes. */
async function redisCounts(redis: Redis): Promise<{ commands: Record<string, number>; total: number; scripts: number; bytes: number }> {
  const commands: Record<string, number> = {};
  for (const [, name, calls] of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) commands[name!] = Number(calls);
  // The bench's own INFO and CONFIG RESETSTAT are not the queue's work.
  for (const own of ['info', 'config|resetstat']) delete commands[own];
  const stats = await redis.info('stats');
  const stat = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  const total = Object.values(commands).reduce((a, b) => a + b, 0);
  return { commands, total, scripts: (commands.evalsha ?? 0) + (commands.eval ?? 0), bytes: stat('total_net_input_bytes') + stat('total_net_output_bytes') };
}

function linkFolder(dir: string, count: number): { bytesPerImage: number } {
  const source = path.join(ISBI, 'unlabeled');
  const images = readdirSync(source).filter((f) => f.endsWith('.png')).sort();
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const image = path.join(source, images[i % images.length]!);
    symlinkSync(image, path.join(dir, `${String(i).padStart(5, '0')}.png`));
    bytes += statSync(image).size;
  }
  return { bytesPerImage: Math.round(bytes / count) };
}

/** The `most` most frequent commands, each per unit of work (per image, per job). */
const topPer = (commands: Record<string, number>, units: number, most = 10) =>
  Object.fromEntries(Object.entries(commands).sort((a, b) => b[1] - a[1]).slice(0, most).map(([k, v]) => [k, round(v / units, 2)]));

const bytesUnder = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0);

async function trainModel(dir: string): Promise<{ dir: string; seconds: number; meanIoU: number }> {
  const train = path.join(ISBI, 'train');
  const run = await segwork(['train', '--images', path.join(train, 'image'), '--labels', path.join(train, 'label'), '--label-values', '0,255',
    '--preset', 'tiny', '--size', '128', '--epochs', '1', '--steps', '10', '--out', dir, '--json']);
  const end = run.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.type === 'end');
  if (run.code !== 0 || !end) throw new Error(`segwork train failed (exit ${run.code}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { dir, seconds: round(run.seconds, 1), meanIoU: round(end.bestMeanIoU, 3) };
}

interface SegmentRun {
  mode: string;
  workers: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  engine?: string;
  /** Jobs each worker finished (how the queue spread them). */
  jobsPerWorker?: number[];
  redisCommandsPerImage?: number;
  redisScriptCallsPerImage?: number;
  redisBytesPerImage?: number;
  topRedisCommandsPerImage?: Record<string, number>;
  outputBytesPerImage: number;
  loadAverage: number;
}

async function singleMachine(model: string, input: string, output: string, threads: number | null): Promise<SegmentRun> {
  const run = await segwork(['segment', '--model', model, '--in', input, '--out', output, '--json', ...(threads ? ['--workers', String(threads)] : [])]);
  const summary = summaryOf(run, 'segwork segment');
  return {
    mode: threads ? `segment --workers ${threads}` : `segment (one worker per core)`, workers: threads ?? os.availableParallelism(), images: summary.done,
    seconds: round(run.seconds, 1), imagesPerSecond: round(summary.done / run.seconds), engine: summary.engine, outputBytesPerImage: Math.round(bytesUnder(output) / summary.done), loadAverage: round(os.loadavg()[0]!),
  };
}

async function queued(url: string, stats: Redis, count: number, model: string, input: string, output: string): Promise<SegmentRun> {
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker(url)));
  try {
    await stats.config('RESETSTAT');
    const run = await segwork(['segment', '--queue', url, '--model', model, '--in', input, '--out', output, '--json']);
    const redis = await redisCounts(stats);
    const summary = summaryOf(run, 'segwork segment --queue');
    return {
      mode: `segment --queue, ${count} worker${count > 1 ? 's' : ''}`, workers: count, images: summary.done, seconds: round(run.seconds, 1), imagesPerSecond: round(summary.done / run.seconds),
      jobsPerWorker: workers.map((w) => w.log().match(/^done: /gm)?.length ?? 0),
      redisCommandsPerImage: round(redis.total / summary.done, 1), redisScriptCallsPerImage: round(redis.scripts / summary.done, 1), redisBytesPerImage: Math.round(redis.bytes / summary.done),
      topRedisCommandsPerImage: topPer(redis.commands, summary.done),
      outputBytesPerImage: Math.round(bytesUnder(output) / summary.done), loadAverage: round(os.loadavg()[0]!),
    };
  } finally {
    await Promise.all(workers.map(stopWorker));
  }
}

/** A job's data as large as a real file job's (paths, model digest, options), so the bytes per job are realistic. */
const noopData = (i: number) => ({ kind: 'file', batch: '0123456789abcdef', file: `/shared/images/${String(i).padStart(5, '0')}.png`, output: `/shared/masks/${String(i).padStart(5, '0')}.png`, model: { path: '/shared/models/unet', digest: 'f'.repeat(64) }, options: {} });

/** What Redis's MONITOR saw per job: commands sent by the clients (each a network round trip) and those BullMQ's Lua scripts ran. */
interface Operations { jobs: number; roundTripsPerJob: Record<string, number>; inScriptsPerJob: Record<string, number> }

interface NoopRun { jobs: number; concurrency: number; seconds: number; jobsPerSecond: number; msPerJob: number; enqueueJobsPerSecond: number; redisCommandsPerJob: number; redisScriptCallsPerJob: number; redisBytesPerJob: number; topCommandsPerJob: Record<string, number> }

/**
 * `jobs` empty jobs, added one at a time as segment --queue adds them, through one BullMQ worker (in this process)
 * that completes each at once: the queue's own cost per job, with nothing else in it. `monitored`: counts each
 * operation Redis runs instead (MONITOR), untimed.
 */
async function noopThroughput(url: string, stats: Redis, jobs: number, concurrency: number): Promise<NoopRun>;
async function noopThroughput(url: string, stats: Redis, jobs: number, concurrency: number, monitored: true): Promise<Operations>;
async function noopThroughput(url: string, stats: Redis, jobs: number, concurrency: number, monitored = false): Promise<NoopRun | Operations> {
  const address = parseQueueUrl(url);
  const producer = openRedis(address);
  const consumer = openRedis(address);
  const name = `noop-${concurrency}`;
  const queue = new Queue(name, { connection: producer, prefix: KEY_PREFIX });
  let completed = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = new Worker(name, async () => {}, { connection: consumer, prefix: KEY_PREFIX, concurrency });
  worker.on('completed', () => ++completed === jobs && allDone());
  await worker.waitUntilReady();
  // MONITOR slows Redis down: a monitored pass counts operations and is not timed.
  const seen = { client: {} as Record<string, number>, lua: {} as Record<string, number> };
  const monitor = monitored ? await stats.monitor() : null;
  monitor?.on('monitor', (_time: string, command: string[], source: string) => {
    const counts = source === 'lua' ? seen.lua : seen.client;
    const verb = command[0]!.toLowerCase();
    counts[verb] = (counts[verb] ?? 0) + 1;
  });
  await stats.config('RESETSTAT');
  const started = performance.now();
  for (let i = 0; i < jobs; i++) await queue.add('file', noopData(i), { ...JOB_OPTIONS, jobId: `noop-${i}` });
  const enqueued = performance.now();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const redis = await redisCounts(stats);
  if (monitor) {
    await new Promise((resolve) => setTimeout(resolve, 200)); // the last lines MONITOR sent
    monitor.disconnect();
  }
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  producer.disconnect();
  consumer.disconnect();
  delete seen.client.info;
  delete seen.client.config;
  if (monitored) return { jobs, roundTripsPerJob: topPer(seen.client, jobs, Infinity), inScriptsPerJob: topPer(seen.lua, jobs, Infinity) };
  return {
    jobs, concurrency, seconds: round(seconds), jobsPerSecond: Math.round(jobs / seconds), msPerJob: round((seconds * 1000) / jobs, 3), enqueueJobsPerSecond: Math.round((jobs * 1000) / (enqueued - started)),
    redisCommandsPerJob: round(redis.total / jobs, 1), redisScriptCallsPerJob: round(redis.scripts / jobs, 1), redisBytesPerJob: Math.round(redis.bytes / jobs),
    topCommandsPerJob: topPer(redis.commands, jobs),
  };
}

function printTable(runs: SegmentRun[], noop: NoopRun[], operations: Operations): void {
  const base = runs.find((r) => r.jobsPerWorker && r.workers === 1)?.imagesPerSecond;
  console.log(['mode'.padEnd(32), 'images', 'seconds', 'images/s', '× 1 worker', 'jobs per worker'.padEnd(16), 'Redis cmds/img', 'Redis KB/img', 'load'].join('  '));
  for (const r of runs) {
    console.log([
      r.mode.padEnd(32), String(r.images).padStart(6), r.seconds.toFixed(1).padStart(7), r.imagesPerSecond.toFixed(2).padStart(8),
      (r.jobsPerWorker && base ? (r.imagesPerSecond / base).toFixed(2) : '').padStart(10), (r.jobsPerWorker?.join('/') ?? '').padEnd(16),
      (r.redisCommandsPerImage?.toString() ?? '').padStart(14), (r.redisBytesPerImage != null ? (r.redisBytesPerImage / 1024).toFixed(1) : '').padStart(12), r.loadAverage.toFixed(2).padStart(4),
    ].join('  '));
  }
  console.log('\nno-op jobs through BullMQ (enqueue + process + complete, one producer adding one at a time):');
  for (const n of noop) {
    console.log(`  concurrency ${String(n.concurrency).padEnd(3)} ${String(n.jobsPerSecond).padStart(6)} jobs/s  ${n.msPerJob.toFixed(3)} ms/job  (adding alone: ${n.enqueueJobsPerSecond} jobs/s)  ` +
      `${n.redisCommandsPerJob} Redis commands/job (${n.redisScriptCallsPerJob} Lua script calls), ${(n.redisBytesPerJob / 1024).toFixed(1)} KB/job`);
  }
  const sum = (counts: Record<string, number>) => round(Object.values(counts).reduce((a, b) => a + b, 0), 1);
  const list = (counts: Record<string, number>) => Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`per no-op job, as MONITOR saw ${operations.jobs} of them (concurrency 1): ${sum(operations.roundTripsPerJob)} round trips (${list(operations.roundTripsPerJob)});`);
  console.log(`  ${sum(operations.inScriptsPerJob)} commands inside the scripts (${list(operations.inScriptsPerJob)})`);
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ISBI, 'unlabeled'))) {
    console.error(`skipped: ${ISBI} is absent`);
    return;
  }
  const root = mkdtempSync(path.join(os.tmpdir(), 'segwork-bench-distributed-'));
  mkdirSync(path.join(root, 'redis'));
  const server = await startLocalRedis(path.join(root, 'redis'));
  const stats = openRedis(parseQueueUrl(server.url));
  try {
    const redisVersion = /redis_version:([\d.]+)/.exec(await stats.info('server'))?.[1];
    const model = args.model ? { dir: path.resolve(args.model) } : await trainModel(path.join(root, 'model'));
    const input = path.join(root, 'images');
    const { bytesPerImage } = linkFolder(input, imageCount);
    console.log(`${imageCount} ISBI 2012 EM images (512² grey PNG, ${(bytesPerImage / 1024).toFixed(0)} KB each); tiny U-Net${'seconds' in model ? ` trained ${model.seconds} s (mIoU ${model.meanIoU})` : ` ${model.dir}`}; ` +
      `Redis ${redisVersion}; ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

    const runs: SegmentRun[] = [];
    runs.push(await singleMachine(model.dir, input, path.join(root, 'out-single-1'), 1));
    runs.push(await singleMachine(model.dir, input, path.join(root, 'out-single'), null));
    for (const count of workerCounts) runs.push(await queued(server.url, stats, count, model.dir, input, path.join(root, `out-queue-${count}`)));
    const noop: NoopRun[] = [];
    for (const concurrency of noopConcurrencies) noop.push(await noopThroughput(server.url, stats, noopJobs, concurrency));
    const operations = await noopThroughput(server.url, stats, Math.min(noopJobs, 200), 1, true);
    printTable(runs, noop, operations);

    const result = {
      benchmark: 'distributed', when: new Date().toISOString(), cpu: `${os.cpus()[0]?.model ?? 'cpu'} ×${os.availableParallelism()}`, redisVersion,
      images: { source: 'isbi2012-membrane/unlabeled (512² grey PNG), cycled', count: imageCount, bytesPerImage },
      model: { architecture: 'unet', preset: 'tiny', ...model }, runs, noop, noopOperations: operations,
    };
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    const file = path.join(ROOT, 'bench', 'results', `distributed-${result.when.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\n${path.relative(ROOT, file)}`);
  } finally {
    stats.disconnect();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
