// Pre-training an encoder from the workbench: an autoencoder on all the project's images, in a worker of its own.
// Encoders live at <workspace>/encoders/<project>/<architecture>__<preset>__<time>; the next fresh training of the
// same architecture and preset starts from the newest.
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { UserError } from '../api/errors.ts';
import type { EncoderInfo, PretrainOptions } from '../api/service.ts';
import { getArchitecture } from '../models/index.ts';
import type { Workspace } from '../store/workspace.ts';
import { checkedModelChoice } from './catalogue.ts';
import type { WorkbenchContext } from './workbench-context.ts';

const encodersDir = (ws: Workspace, projectId: number) => path.join(ws.dir, 'encoders', String(projectId));

/** The newest encoder per architecture and preset; one counts once its segwork.json exists (it is written last, by rename). */
export async function recordedEncoders(ws: Workspace, projectId: number): Promise<EncoderInfo[]> {
  const names = await fs.readdir(encodersDir(ws, projectId)).catch(() => [] as string[]);
  const newest = new Map<string, { info: EncoderInfo; time: number }>();
  for (const name of names) {
    const [architecture, preset, time] = name.split('__');
    const directory = path.join(encodersDir(ws, projectId), name);
    if (!architecture || !preset || !time || !existsSync(path.join(directory, 'segwork.json'))) continue;
    const key = `${architecture}__${preset}`;
    if ((newest.get(key)?.time ?? -1) < Number(time)) newest.set(key, { info: { architecture, preset, directory }, time: Number(time) });
  }
  return [...newest.values()].map((e) => e.info);
}

export async function startPretraining(ctx: WorkbenchContext, projectId: number, request: PretrainOptions): Promise<{ job: number }> {
  const { ws } = ctx;
  const project = ws.projects.require(projectId);
  const { architecture, preset, timeBudgetSeconds } = request;
  if (!(timeBudgetSeconds > 0)) throw new UserError(`pre-training needs a positive time budget, got ${timeBudgetSeconds}`);
  const images = ws.images.query({ projectId }).images;
  if (images.length === 0) throw new UserError(`project "${project.name}" has no images to pre-train on`);
  // One band count per encoder: the most common one among the project's images.
  const counts = new Map<number, number>();
  for (const image of images) counts.set(image.channels, (counts.get(image.channels) ?? 0) + 1);
  const channels = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const usable = images.filter((i) => i.channels === channels);
  const { config } = checkedModelChoice(architecture, preset, { inputChannels: channels, numClasses: project.classes.length });
  const multiple = getArchitecture(architecture).sizeMultiple(config);
  const smallest = Math.min(64, ...usable.map((i) => Math.min(i.width, i.height)));
  const patchSize = Math.floor(smallest / multiple) * multiple;
  if (patchSize < multiple) throw new UserError(`project "${project.name}": images of ${smallest}px are smaller than the ${multiple}px ${architecture} needs`);
  const outDir = path.join(encodersDir(ws, projectId), `${architecture}__${preset}__${Date.now()}`);
  await fs.mkdir(path.dirname(outDir), { recursive: true });
  const job = ctx.jobs.start(
    { kind: 'pretrain', imagePaths: usable.map((i) => i.path), architecture, preset, outDir, patchSize, timeBudgetSeconds, objective: request.objective ?? 'denoising', stacked: request.stacked ?? false },
    (job) => ({ onPretrainEvent: (event) => ctx.publish({ job, kind: 'pretrain', event: { type: 'step', ...event } }) }),
    (end, job) => {
      if (end.status !== 'failed' && end.result) ctx.publish({ job, kind: 'pretrain', event: { type: 'end', ...end.result, encoderDir: outDir } });
    },
  );
  return { job };
}
