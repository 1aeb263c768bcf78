// The embedded default: a small sample project (EM crops with scribble labels, resources/sample) so a newcomer
// can paint and press Train at once.
import * as path from 'node:path';
import { readClassesFile } from '../io/classes-file.ts';
import { listImageFiles } from '../io/index.ts';
import type { Workspace } from '../store/workspace.ts';
import { importImages } from './importing.ts';

export const SAMPLE_DIR = path.resolve(import.meta.dirname, '../../resources/sample');
export const SAMPLE_PROJECT = 'Sample: EM membranes';

export async function seedSampleProject(ws: Workspace): Promise<number> {
  const classes = await readClassesFile(path.join(SAMPLE_DIR, 'classes.json'));
  const project = ws.projects.create(SAMPLE_PROJECT, classes.map(({ name, color }) => ({ name, color })));
  const files = await listImageFiles(path.join(SAMPLE_DIR, 'images'), { recursive: false });
  await importImages(ws, project.id, files, { labelsDir: path.join(SAMPLE_DIR, 'labels') });
  return project.id;
}
