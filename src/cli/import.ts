import { defaultClasses } from '../labels/palette.ts';
import { resolveWorkspaceDir } from '../store/location.ts';
import { parse } from './args.ts';
import { classesOfColors, labelColorUsage, labelOptionSpec, parseLabelOptions, resolveLabelMapping } from './label-options.ts';
import { readClassesFile } from '../io/classes-file.ts';
import { EXIT_OK, EXIT_PARTIAL, UsageError, type Command } from './command.ts';
import { toJson } from './progress.ts';

export const importCommand: Command = {
  usage: `Usage: segwork import DIR [--labels DIR] [options]

Adds every readable image under DIR to the project (created if missing). With --labels, masks of the
same file name become the images' current labels. Unreadable files are reported and skipped (exit code 2).

Options:
  --project NAME         project name (default: the folder's name)
  --labels DIR           label masks to import with the images
  --label-values V0,V1…  raw mask values of classes 0,1,…
  --ignore-value V       raw mask value meaning unlabeled
${labelColorUsage("the project's class colours")}
  --classes FILE.json    classes of a new project (default: as many as --label-values, or --label-colors in
                         those colours, or 2)
  --json                 one JSON object {project, added, alreadyThere, labeled, failed}
  --workspace DIR        the workspace (default: $SEGWORK_HOME or the per-user data folder)`,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      {
        project: { type: 'string' },
        labels: { type: 'string' },
        ...labelOptionSpec,
        classes: { type: 'string' },
        json: { type: 'boolean' },
        workspace: { type: 'string' },
      },
      true,
    );
    if (positionals.length !== 1) throw new UsageError('give exactly one folder to import');
    const dir = positionals[0]!;
    const labelOptions = parseLabelOptions(values);
    // The readers and SQLite load only when it runs, so --help answers at once (tests/unit/cli/startup.test.ts).
    const [{ expandPaths, importImages }, { openWorkspace }] = await Promise.all([import('../use-cases/importing.ts'), import('../store/workspace.ts')]);
    const files = await expandPaths([dir]);
    const name = values.project ?? (dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || 'project');
    const ws = openWorkspace(resolveWorkspaceDir(values.workspace));
    try {
      // Found or created in one write transaction: two imports into a new project at once share it. The label options
      // are checked first, so a wrong one leaves no empty project behind.
      const existing = ws.projects.byName(name);
      const classes = existing?.classes ?? (values.classes ? await readClassesFile(values.classes) : (classesOfColors(labelOptions) ?? defaultClasses(labelOptions.labelValues?.length ?? 2)));
      const mapping = resolveLabelMapping(labelOptions, { list: classes, from: existing ? `project "${name}"` : (values.classes ?? `project "${name}"`) });
      const project = ws.transaction(() => ws.projects.byName(name) ?? ws.projects.create(name, classes.map(({ name: n, color }) => ({ name: n, color }))));
      const result = await importImages(ws, project.id, files, { labelsDir: values.labels, ...mapping });
      if (values.json) {
        io.stdout.write(toJson({ project: project.name, projectId: project.id, added: result.added.length, alreadyThere: result.existing.length, labeled: result.labeled, failed: result.failed }) + '\n');
      } else {
        io.stdout.write(`Project "${project.name}": ${result.added.length} image(s) added${result.existing.length > 0 ? ` (${result.existing.length} already there)` : ''}, ${result.labeled} with labels, ${result.failed.length} failed\n`);
        for (const f of result.failed) io.stdout.write(`  failed: ${f.path}: ${f.reason}\n`);
      }
      return result.failed.length > 0 ? EXIT_PARTIAL : EXIT_OK;
    } finally {
      ws.close();
    }
  },
};
