// The catalogue: the core tells front ends which architectures and presets exist, and a choice outside it is the
// caller's mistake (HTTP 400 with the valid names), never a server error.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { architectureNames, getArchitecture } from '../../../src/models/index.ts';
import { startServer } from '../../../src/server/server.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('the catalogue lists every architecture with its own presets, the first as the default', async (t) => {
  const wb = await createWorkbench({ workspaceDir: tempDir(t) });
  t.after(() => wb.close());
  const { architectures } = await wb.catalogue();
  assert.deepEqual(architectures.map((a) => a.name), architectureNames());
  for (const arch of architectures) {
    assert.deepEqual(arch.presets, Object.keys(getArchitecture(arch.name).presets), arch.name);
    assert.equal(arch.defaultPreset, arch.presets[0], arch.name);
    assert.deepEqual(arch.choices, { ...getArchitecture(arch.name).choices }, arch.name);
  }
  // The bug this replaces: every architecture was offered U-Net's presets and started at "tiny".
  const presetsOf = (name: string) => architectures.find((a) => a.name === name)!;
  assert.equal(presetsOf('unet').defaultPreset, 'tiny');
  assert.deepEqual(presetsOf('unet').choices, { upsampling: ['nearest', 'bilinear', 'transpose'] });
  assert.deepEqual(presetsOf('fcn-8s').choices, {});
  for (const name of ['segnet-basic', 'segnet', 'deeplab']) {
    assert.ok(!presetsOf(name).presets.includes('tiny'), `${name} offers no tiny preset`);
    assert.equal(presetsOf(name).defaultPreset, 'small', name);
  }
});

test('a preset the architecture lacks is refused as the caller’s mistake (400), with the valid ones', async (t) => {
  const dir = tempDir(t);
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws'), seedSample: true });
  const server = await startServer({ service: wb, staticDir: dir, port: 0 });
  t.after(async () => {
    await server.close();
    await wb.close();
  });
  const [project] = await wb.listProjects();
  const call = async (method: string, args: unknown[]) => {
    const response = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-segwork-token': server.token },
      body: JSON.stringify(args),
    });
    return { status: response.status, body: (await response.json()) as { result?: { job: number }; error?: string } };
  };

  const train = await call('startTraining', [project!.id, { architecture: 'segnet-basic', preset: 'tiny', epochs: 1 }]);
  assert.equal(train.status, 400, train.body.error);
  assert.match(train.body.error!, /no preset "tiny": choose one of small, standard/);
  const pretrain = await call('startPretraining', [project!.id, { architecture: 'deeplab', preset: 'tiny', timeBudgetSeconds: 1 }]);
  assert.equal(pretrain.status, 400, pretrain.body.error);
  const unknown = await call('startTraining', [project!.id, { architecture: 'resnet' }]);
  assert.equal(unknown.status, 400, unknown.body.error);
  assert.match(unknown.body.error!, /choose one of .*segnet-basic/);
  const mode = await call('startTraining', [project!.id, { architecture: 'unet', modelConfig: { upsampling: 'cubic' } }]);
  assert.equal(mode.status, 400, mode.body.error);
  assert.match(mode.body.error!, /"upsampling" must be one of nearest, bilinear, transpose, got "cubic"/);
  const foreign = await call('startTraining', [project!.id, { architecture: 'deeplab', modelConfig: { upsampling: 'transpose' } }]);
  assert.equal(foreign.status, 400, foreign.body.error);
  assert.match(foreign.body.error!, /model "deeplab" has no setting "upsampling"/);
  assert.deepEqual(await wb.listRuns(project!.id), [], 'a refused request records no run');

  // No preset: the architecture's default, recorded with the run.
  const started = await call('startTraining', [project!.id, { architecture: 'segnet-basic', epochs: 1 }]);
  assert.equal(started.status, 200, started.body.error);
  await wb.cancelJob(started.body.result!.job);
  const [run] = await wb.listRuns(project!.id);
  assert.equal(run!.config.preset, 'small');
});
