// `segwork labels morph`: label morphology over a folder of mask files, each written in its own format.
import * as path from 'node:path';
import { ArgumentError } from '../api/errors.ts';
import { InputError } from '../io/raster.ts';
import { checkMorphologyRequest, MORPHOLOGY_OPERATIONS, type MorphologyOperation, type MorphologyRequest } from '../labels/morphology.ts';
import { intOption, parse, required } from './args.ts';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, UsageError, type Command } from './command.ts';
import { ProgressBar, toJson } from './progress.ts';

/** The flag that sets each argument of a morphology request. */
const FLAGS: Record<string, string> = { operation: '--op', class: '--class', radius: '--radius', minSize: '--min-size' };

export const labelsCommand: Command = {
  usage: `Usage: segwork labels morph --op OP --class K --in DIR --out DIR [options]

Runs one label-morphology operation on one class of every mask in --in (PNG, TIFF/GeoTIFF, NIfTI label volume;
value = class index, 255 = unlabeled) and writes each, in its own format and under its own name, to --out.
A GeoTIFF keeps its CRS and geotransform; a NIfTI volume keeps its geometry and is worked on in 3D (in voxels).
Pixels leaving the class become unlabeled; pixels joining it take it only where nothing was labeled (--overwrite:
also over other classes). A mask that cannot be read is reported and the rest go on (exit code 2).

Operations (--op):
  median, open, close   smooth the class with a radius (median: square window of side 2R+1; open, close: disc)
  remove-islands        remove its connected regions of fewer than --min-size pixels
  fill-holes            fill regions enclosed by the class
  keep-largest          keep only its largest connected region
  grow, shrink          move its border out or in by --radius pixels

Options:
  --radius R        pixels, 1 or more (median, open, close, grow, shrink)
  --min-size N      pixels, 1 or more (remove-islands)
  --classes N       number of classes (default 255: any value below 255 is a class)
  --overwrite       pixels joining the class may replace another class's
  --recursive       masks in subfolders too (mirrored under --out)
  --json            one JSON line per mask and a summary line`,
  interrupt: 'Stopping after the current mask…',
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      {
        op: { type: 'string' },
        class: { type: 'string' },
        radius: { type: 'string' },
        'min-size': { type: 'string' },
        classes: { type: 'string' },
        overwrite: { type: 'boolean' },
        in: { type: 'string' },
        out: { type: 'string' },
        recursive: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      true,
    );
    if (positionals[0] !== 'morph' || positionals.length > 1) throw new UsageError(`labels takes one action, morph; got ${positionals.join(' ') || 'none'}`);
    const inDir = path.resolve(required(values, 'in'));
    const outDir = path.resolve(required(values, 'out'));
    if (inDir === outDir) throw new UsageError('--out must differ from --in, so the original masks are kept');
    const numClasses = intOption(values, 'classes', 255, 1);
    const request: MorphologyRequest = {
      operation: required(values, 'op') as MorphologyOperation,
      classIndex: Number(required(values, 'class')),
      ...(values.radius !== undefined ? { radius: Number(values.radius) } : {}),
      ...(values['min-size'] !== undefined ? { minSize: Number(values['min-size']) } : {}),
      overwrite: Boolean(values.overwrite),
    };
    try {
      checkMorphologyRequest(request, Math.min(numClasses, 255));
    } catch (e) {
      if (!(e instanceof ArgumentError)) throw e;
      throw new UsageError(`${FLAGS[e.argument] ?? e.argument} ${e.problem}${e.argument === 'operation' ? '' : ` (for --op ${request.operation})`}`);
    }

    // The readers load only when it runs, so --help answers at once (tests/unit/cli/startup.test.ts).
    const [{ listImageFiles }, { morphMaskFile }] = await Promise.all([import('../io/files.ts'), import('../use-cases/mask-morphology.ts')]);
    const files = await listImageFiles(inDir, { recursive: Boolean(values.recursive) });
    const bar = new ProgressBar(io.stderr);
    const failed: { file: string; reason: string }[] = [];
    let written = 0;
    for (const [k, file] of files.entries()) {
      if (io.signal.aborted) break;
      const relative = path.relative(inDir, file);
      bar.update(k / files.length, relative);
      try {
        const report = await morphMaskFile(file, path.join(outDir, relative), numClasses, request);
        written++;
        if (values.json) io.stdout.write(toJson({ file: relative, ...report }) + '\n');
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        failed.push({ file: relative, reason: e.problem });
        if (values.json) io.stdout.write(toJson({ file: relative, error: e.problem }) + '\n');
        else bar.log(`segwork: ${relative}: ${e.problem}`);
      }
    }
    bar.clear();
    const interrupted = io.signal.aborted;
    const summary = { operation: request.operation, class: request.classIndex, written, failed, total: files.length, out: outDir, interrupted };
    if (values.json) io.stdout.write(toJson(summary) + '\n');
    else io.stdout.write(`${written} of ${files.length} mask(s) written to ${outDir}${failed.length ? `; ${failed.length} failed` : ''}${interrupted ? ' (stopped)' : ''}\n`);
    if (interrupted) return EXIT_INTERRUPTED;
    return failed.length > 0 ? EXIT_PARTIAL : EXIT_OK;
  },
};
