// `segwork pretrain`: autoencoder pre-training of a model's encoder on unlabeled images.
import * as path from 'node:path';
import { numberOption, parse, required } from './args.ts';
import { AUTOENCODER_OPTIONS, autoencoderSteps, imageFolders, readImageFolders } from './autoencoder-options.ts';
import { EXIT_OK, UsageError, type Command } from './command.ts';
import { formatSeconds, toJson } from './progress.ts';
import { PRETRAIN_OBJECTIVES, type PretrainObjective } from '../api/types.ts';
import { DEFAULT_CONTEXT_BLOCK, DEFAULT_WEIGHT, describeObjective, OBJECTIVE_RANGES, type ObjectiveSettings } from '../training/pretrain-settings.ts';

export const pretrainCommand: Command = {
  usage: `Usage: segwork pretrain --images DIR [--images DIR …] --model NAME --out ENCODER_DIR [options]

Trains a convolutional autoencoder whose encoder is exactly the chosen model's encoder, on random patches of
every image in the folders (no labels needed; a volume gives 16 slices spread through its depth), with one of
the autoencoder family's objectives.
Then: segwork train … --model NAME --init-encoder ENCODER_DIR.
Use the same --model and --preset in both commands.

  --images DIR        folder of images (repeat for several folders)
  --model NAME        architecture (segwork models lists them)
  --preset NAME       architecture preset (default small)
  --out ENCODER_DIR   model directory holding the pre-trained encoder
  --objective NAME    denoising (default) | context | sparse | contractive | variational
  --denoise SIGMA     denoising: add Gaussian noise of this standard deviation (normalised units, 0–10)
  --mask-ratio R      denoising: blank this fraction of 8×8 cells and reconstruct them (0–0.95);
                      context: the share of the patch one masked block covers, inpainted (default 0.25)
  --weight W          sparse: L1 weight on the code (default 0.01); contractive: the penalty weight (default
                      0.1); variational: β, the KL weight (default 0.1); 0–1000
  --stacked           greedy layer-wise: train the first encoder stage, freeze it, add the next, … (steps and
                      time shared evenly between the stages)
  --time-budget S     stop after S seconds (default 300)
  --steps N           stop after N steps (default 100000)
  --size PATCH        patch edge in pixels (default 128)
  --batch N           patches per step (default 4)
  --lr RATE           Adam learning rate (default 0.001)
  --seed N            repeatable runs (default 1)
  --backend NAME      tensorflow | webgpu | wasm | cpu (default: fastest available)
  --json              progress and result as JSON lines`,
  interrupt: 'Stopping after the current step (Ctrl-C again to quit at once)…',
  async run(argv, io) {
    const { values } = parse(argv, {
      ...AUTOENCODER_OPTIONS,
      model: { type: 'string' },
      preset: { type: 'string' },
      objective: { type: 'string' },
      denoise: { type: 'string' },
      weight: { type: 'string' },
      stacked: { type: 'boolean' },
      'mask-ratio': { type: 'string' },
    });
    const dirs = imageFolders(values);
    const architecture = required(values, 'model');
    // TensorFlow.js and the readers load only when a run starts, so --help answers at once.
    const objective = (values.objective ?? 'denoising') as PretrainObjective;
    if (!PRETRAIN_OBJECTIVES.includes(objective)) throw new UsageError(`--objective must be one of ${PRETRAIN_OBJECTIVES.join(', ')}, got "${objective}"`);
    const settings = objectiveOptions(values, objective);
    const [{ initBackend }, { architectureNames }, { pretrainEncoder }] = await Promise.all([
      import('../compute/backends.ts'),
      import('../models/index.ts'),
      import('../training/pretrain.ts'),
    ]);
    if (!architectureNames().includes(architecture)) throw new UsageError(`--model must be one of ${architectureNames().join(', ')}, got "${architecture}"`);
    const outDir = required(values, 'out');
    const steps = autoencoderSteps(values, { size: 128, batch: 4 });
    const images = await readImageFolders(dirs);
    const backend = await initBackend(values.backend);
    const say = (line: string) => io.stderr.write(line + '\n');
    if (!values.json) say(`Pre-training the ${architecture} encoder (${describeObjective(settings)}${values.stacked ? ', stacked' : ''}) on ${images.length} image(s), backend ${backend}`);
    let lastReport = 0;
    const result = await pretrainEncoder({
      images,
      architecture,
      preset: values.preset ?? 'small',
      outDir,
      backend,
      objective: settings,
      stacked: values.stacked ?? false,
      ...steps,
      signal: io.signal,
      onProgress: (p) => {
        if (values.json) io.stdout.write(toJson({ type: 'step', ...p }) + '\n');
        else if (p.seconds - lastReport >= 5) {
          lastReport = p.seconds;
          say(`  step ${p.step}  loss ${p.loss.toFixed(4)}  ${formatSeconds(p.seconds)}`);
        }
      },
    });
    if (values.json) io.stdout.write(toJson({ type: 'end', ...result, outDir: path.resolve(outDir) }) + '\n');
    else {
      say(`Done (${result.endReason}): ${result.steps} steps in ${formatSeconds(result.seconds)}, ${objective} loss ${result.firstLoss.toFixed(4)} → ${result.lastLoss.toFixed(4)}${result.stages.length > 1 ? ` (last of ${result.stages.length} stages)` : ''}`);
      say(`Encoder saved to ${outDir}; use: segwork train --model ${architecture} --init-encoder ${outDir} …`);
    }
    return EXIT_OK;
  },
};

/** The objective's settings from the flags, each checked against its range; a flag the objective does not use is refused. */
function objectiveOptions(values: Record<string, unknown>, objective: PretrainObjective): ObjectiveSettings {
  const uses: Record<string, PretrainObjective[]> = { denoise: ['denoising'], 'mask-ratio': ['denoising', 'context'], weight: ['sparse', 'contractive', 'variational'] };
  for (const [flag, objectives] of Object.entries(uses)) {
    if (values[flag] !== undefined && !objectives.includes(objective)) throw new UsageError(`--${flag} applies to --objective ${objectives.join(' or ')}, not ${objective}`);
  }
  const [maskMin, maskMax] = OBJECTIVE_RANGES.maskRatio;
  const maskRatio = numberOption(values, 'mask-ratio', objective === 'context' ? DEFAULT_CONTEXT_BLOCK : 0, maskMin, maskMax)!;
  if (objective === 'context' && maskRatio === 0) throw new UsageError(`--mask-ratio must be in (0, ${maskMax}] for --objective context, got "0"`);
  return {
    objective,
    denoiseSigma: numberOption(values, 'denoise', 0, ...OBJECTIVE_RANGES.denoiseSigma)!,
    maskRatio,
    weight: numberOption(values, 'weight', DEFAULT_WEIGHT[objective], ...OBJECTIVE_RANGES.weight)!,
  };
}
