// The command table. Modules load on demand, so `segwork --help` does not pay for tfjs start-up.
import type { Command } from './command.ts';

export async function commands(): Promise<Command[]> {
  const modules = await Promise.all([
    import('./doctor.ts').then((m) => m.doctorCommand),
    import('./train.ts').then((m) => m.trainCommand),
    import('./pretrain.ts').then((m) => m.pretrainCommand),
    import('./eval.ts').then((m) => m.evalCommand),
    import('./score.ts').then((m) => m.scoreCommand),
    import('./segment.ts').then((m) => m.segmentCommand),
    import('./explain.ts').then((m) => m.explainCommand),
    import('./import.ts').then((m) => m.importCommand),
    import('./export.ts').then((m) => m.exportCommand),
    import('./export-model.ts').then((m) => m.exportModelCommand),
    import('./inspect.ts').then((m) => m.inspectCommand),
    import('./models.ts').then((m) => m.modelsCommand),
    import('./serve.ts').then((m) => m.serveCommand),
  ]);
  return modules;
}
