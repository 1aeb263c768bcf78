import * as path from 'node:path';
import { stemOf, writeMaskPng } from '../io/index.ts';
import { checkWritableDir } from '../inference/batch.ts';
import { resolveWorkspaceDir } from '../store/location.ts';
import { openWorkspace } from '../store/workspace.ts';
import { parse, required } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, type Command } from './command.ts';
import { toJson } from './progress.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: "Write every image's current label mask of a project as PNG",
  usage: `Usage: segwork export --project NAME --out DIR [--json] [--workspace DIR]

Writes OUT/<image name>.png for every image with a label: 8-bit, value = class index, 255 = unlabeled.
Images with no label yet are listed and skipped.`,
  async run(argv, io) {
    const { values } = parse(argv, { project: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, workspace: { type: 'string' } });
    const name = required(values, 'project');
    const outDir = path.resolve(required(values, 'out'));
    const ws = openWorkspace(resolveWorkspaceDir(values.workspace));
    try {
      const project = ws.projects.byName(name);
      if (!project) {
        io.stderr.write(`segwork: no project "${name}" in the workspace (projects: ${ws.projects.list().map((p) => p.name).join(', ') || 'none'})\n`);
        return EXIT_FAILURE;
      }
      await checkWritableDir(outDir);
      let written = 0;
      const unlabeled: string[] = [];
      for (const image of ws.images.query({ projectId: project.id }).images) {
        const mask = ws.masks.current(image.id);
        if (!mask) {
          unlabeled.push(image.name);
          continue;
        }
        await writeMaskPng(path.join(outDir, `${stemOf(image.name)}.png`), mask.width, mask.height, mask.data);
        written++;
      }
      if (values.json) io.stdout.write(toJson({ project: project.name, written, unlabeled, out: outDir }) + '\n');
      else io.stdout.write(`${written} mask(s) written to ${outDir}${unlabeled.length ? `; ${unlabeled.length} image(s) have no label yet` : ''}\n`);
      return EXIT_OK;
    } finally {
      ws.close();
    }
  },
};
