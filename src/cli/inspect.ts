// segwork inspect: what files or folders of images hold, as text or JSON, with optional value statistics.
// Reading images needs no model, so nothing here may load tfjs (tests/unit/cli/startup.test.ts checks it).
import type { InspectFailure, InspectReport, ValueStats } from '../io/inspect.ts';
import { InputError } from '../io/raster.ts';
import { parse } from './args.ts';
import { EXIT_OK, EXIT_PARTIAL, UsageError, type Command } from './command.ts';

export const inspectCommand: Command = {
  usage: `Usage: segwork inspect FILE_OR_FOLDER... [--json] [--stats]

For every image (a folder is searched recursively): format, width, height, slices (frames for DICOM), bands, dtype;
DICOM: modality, transfer syntax, rescale, window; GeoTIFF: EPSG code, geotransform, nodata; NIfTI: shape, affine.

Options:
  --json    JSON: one object for one file, an array for several or a folder (failures as {file, error})
  --stats   add stats {min, max, mean} over all decoded values (after rescale, nodata excluded),
            plus perBand (2D images) or perSlice (volumes)

Exit code 2 when some of several files, or of a folder, could not be read.`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' }, stats: { type: 'boolean' } }, true);
    if (positionals.length === 0) throw new UsageError('expected at least one FILE_OR_FOLDER');
    const single = positionals.length === 1;
    // The readers load only when it runs, so --help answers at once (tests/unit/cli/startup.test.ts).
    const { inspectPath } = await import('../io/inspect.ts');
    const reports: InspectReport[] = [];
    const failures: InspectFailure[] = [];
    for (const target of positionals) {
      try {
        const found = await inspectPath(target, { stats: Boolean(values.stats) });
        reports.push(...found.reports);
        failures.push(...found.failures);
      } catch (error) {
        // One bad file of several is reported like a bad file in a folder: the others are still described.
        if (single || !(error instanceof InputError)) throw error;
        failures.push({ file: target, error: error.problem });
      }
    }
    const oneFile = single && reports.length === 1 && failures.length === 0 && reports[0].file === positionals[0];
    if (values.json) {
      const items = [...reports, ...failures];
      io.stdout.write(`${JSON.stringify(oneFile ? items[0] : items, null, 2)}\n`);
    } else {
      for (const report of reports) io.stdout.write(`${describeLine(report)}\n`);
      for (const failure of failures) io.stderr.write(`${failure.file}: ${failure.error}\n`);
    }
    return failures.length > 0 ? EXIT_PARTIAL : EXIT_OK;
  },
};

function describeLine(r: InspectReport): string {
  const depth = r.frames !== undefined ? `${r.frames} frames` : r.slices && r.slices > 1 ? `${r.slices} slices` : '';
  const parts = [r.file, r.format, `${r.width}x${r.height}`, depth, `${r.bands} band${r.bands === 1 ? '' : 's'}`, r.dtype];
  if (r.modality) parts.push(r.modality);
  if (r.transferSyntax) parts.push(`${r.transferSyntaxName} (${r.transferSyntax})`);
  if (r.rescale && (r.rescale.slope !== 1 || r.rescale.intercept !== 0)) parts.push(`rescale ${r.rescale.slope}x${r.rescale.intercept >= 0 ? '+' : ''}${r.rescale.intercept}${r.rescale.type ? ` ${r.rescale.type}` : ''}`);
  if (r.window) parts.push(`window C${r.window.center} W${r.window.width}`);
  if (r.epsg !== undefined) parts.push(r.epsg ? `EPSG:${r.epsg}` : 'CRS unknown');
  if (r.geoTransform) parts.push(`geotransform [${r.geoTransform.join(', ')}]`);
  if (r.nodata !== undefined && r.nodata !== null) parts.push(`nodata ${r.nodata}`);
  if (r.affine) parts.push(`affine [${r.affine.slice(0, 3).map((row) => `[${row.map((v) => +v.toFixed(4)).join(', ')}]`).join(', ')}]`);
  let line = parts.filter(Boolean).join('  ');
  if (r.stats) line += `\n  values: ${statsText(r.stats)}`;
  r.perBand?.forEach((s, b) => { if (r.perBand!.length > 1) line += `\n  band ${b + 1}: ${statsText(s)}`; });
  r.perSlice?.forEach((s, k) => { line += `\n  slice ${k}: ${statsText(s)}`; });
  return line;
}

function statsText(s: ValueStats): string {
  return `min ${s.min} max ${s.max} mean ${+s.mean.toFixed(4)}`;
}
