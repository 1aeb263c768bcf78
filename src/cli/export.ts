import * as path from 'node:path';
import { LABEL_EXPORT_FORMATS, type LabelExportFormat } from '../api/service.ts';
import { InputError } from '../io/raster.ts';
import { resolveWorkspaceDir } from '../store/location.ts';
import { intOption, parse, required } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, UsageError, type Command } from './command.ts';
import { toJson } from './progress.ts';

export const exportCommand: Command = {
  usage: `Usage: segwork export --project NAME --out DIR [--format auto|png|color-png|geotiff|geojson|nifti|dicom-seg] [--unlabeled-value V] [--json] [--workspace DIR]

--format auto (default): OUT/<image>.labels.png for 2D images (8-bit, value = class index, 255 = unlabeled),
  OUT/<image>.labels.tif for GeoTIFFs (the same values, with the image's CRS and geotransform; 255 is nodata) and
  OUT/<volume>.labels.nii.gz for volumes (NIfTI label map with the source's geometry, for 3D Slicer / ITK-SNAP).
  Files take their image's name plus .labels, so they never overwrite an image, and an export folder pairs with
  the images as --labels for train, eval, score and import.
--format color-png: OUT/<image>.labels.png in the project's class colours (RGBA; unlabeled transparent), as CVAT
  and Label Studio write them; import reads them back with --label-colors classes.
--format geotiff: a georeferenced mask for every georeferenced image.
--format geojson: OUT/<image>.geojson, every labeled region of every class as a polygon with its holes, in the
  image's CRS when it has one (pixel-corner coordinates otherwise).
--format nifti: a NIfTI label map for every NIfTI volume and DICOM series.
--format dicom-seg: OUT/<series>.seg.dcm, a DICOM SEG referencing the source series (DICOM sources only);
  each class with voxels is a segment, a class named "background" is not.
--unlabeled-value V: NIfTI value of voxels never labeled (default 0).
Images with no label yet are listed and skipped; an image the format cannot hold is reported and the rest go on.`,
  async run(argv, io) {
    // Loaded when it runs, not with the module: its --help then starts without tfjs, the writers or SQLite
    // (tests/unit/cli/startup.test.ts).
    const [{ checkWritableDir }, { defaultExportFormat, exportImageLabels, exportPath }, { openWorkspace }, { upgradeMaskOrder }] = await Promise.all([
      import('../inference/batch.ts'),
      import('../use-cases/label-export.ts'),
      import('../store/workspace.ts'),
      import('../use-cases/mask-order-upgrade.ts'),
    ]);
    const { values } = parse(argv, {
      project: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      'unlabeled-value': { type: 'string' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    });
    const name = required(values, 'project');
    const outDir = path.resolve(required(values, 'out'));
    const format = values.format ?? 'auto';
    if (format !== 'auto' && !LABEL_EXPORT_FORMATS.includes(format as LabelExportFormat)) {
      throw new UsageError(`--format must be auto, ${LABEL_EXPORT_FORMATS.join(', ')}; got "${format}"`);
    }
    const unlabeledValue = values['unlabeled-value'] === undefined ? undefined : intOption(values, 'unlabeled-value', 0);
    if (unlabeledValue !== undefined && unlabeledValue > 255) throw new UsageError('--unlabeled-value must be 0..255');
    const ws = openWorkspace(resolveWorkspaceDir(values.workspace));
    try {
      const project = ws.projects.byName(name);
      if (!project) {
        io.stderr.write(`segwork: no project "${name}" in the workspace (projects: ${ws.projects.list().map((p) => p.name).join(', ') || 'none'})\n`);
        return EXIT_FAILURE;
      }
      await checkWritableDir(outDir);
      // Masks an older Segwork saved in a NIfTI file's voxel order are turned first; one that cannot be is named.
      await upgradeMaskOrder(ws, (line) => io.stderr.write(`segwork: ${line}\n`));
      const written: string[] = [];
      const unlabeled: string[] = [];
      const failed: { image: string; reason: string }[] = [];
      for (const info of ws.images.query({ projectId: project.id }).images) {
        const image = ws.images.get(info.id)!;
        if (ws.masks.labeledSlices(image.id).length === 0) {
          unlabeled.push(image.name);
          continue;
        }
        const imageFormat = format === 'auto' ? defaultExportFormat(image) : (format as LabelExportFormat);
        const file = exportPath(outDir, image, imageFormat);
        try {
          await exportImageLabels(ws, image, imageFormat, file, { ...(unlabeledValue !== undefined ? { unlabeledValue } : {}) });
          written.push(file);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          failed.push({ image: image.name, reason: e.problem });
        }
      }
      if (values.json) io.stdout.write(toJson({ project: project.name, written: written.length, files: written, unlabeled, failed, out: outDir }) + '\n');
      else {
        io.stdout.write(`${written.length} label file(s) written to ${outDir}${unlabeled.length ? `; ${unlabeled.length} image(s) have no label yet` : ''}\n`);
        for (const f of failed) io.stderr.write(`segwork: ${f.image}: ${f.reason}\n`);
      }
      return failed.length > 0 ? EXIT_PARTIAL : EXIT_OK;
    } finally {
      ws.close();
    }
  },
};
