// Which model a project's editor uses. The newest model is not necessarily the best one (a 2-epoch SegNet after a
// 0.89-IoU U-Net), so the default is the best by validation, and a pick by the user overrides it until it is undone.
import { ArgumentError } from '../api/errors.ts';
import type { ModelChoice } from '../api/types.ts';
import type { Workspace } from '../store/workspace.ts';

export function modelChoice(ws: Workspace, projectId: number): ModelChoice {
  ws.projects.require(projectId);
  const scores = ws.models.validationScores(projectId);
  const models = ws.models.list(projectId).map(({ config: _config, ...model }) => ({ ...model, validationMeanIoU: scores.get(model.id) ?? null }));
  // Newest first, so among equal scores (or none scored at all) the newest wins; a scored model beats an unscored one.
  const best = models.reduce<(typeof models)[number] | null>((a, b) => (a === null || (b.validationMeanIoU ?? -1) > (a.validationMeanIoU ?? -1) ? b : a), null);
  const bestModelId = best?.id ?? null;
  const picked = ws.models.chosenFor(projectId);
  if (picked !== null && models.some((m) => m.id === picked)) return { modelId: picked, reason: 'picked', bestModelId, models };
  return { modelId: bestModelId, reason: best ? 'best-validation' : 'none', bestModelId, models };
}

/** Records the user's pick of the project's model; null goes back to the best by validation. */
export function chooseModel(ws: Workspace, projectId: number, modelId: number | null): ModelChoice {
  ws.projects.require(projectId);
  const owner = modelId === null ? projectId : ws.models.require(modelId).projectId;
  if (owner !== projectId) throw new ArgumentError('chooseModel', 'modelId', `is a model of ${owner === null ? 'no project' : `project ${owner}`}, not of project ${projectId}`);
  ws.models.choose(projectId, modelId);
  return modelChoice(ws, projectId);
}
