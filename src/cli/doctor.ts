import { parse } from './args.ts';
import { EXIT_OK, type Command } from './command.ts';
import { toJson } from './progress.ts';

export const doctorCommand: Command = {
  usage: `Usage: segwork doctor [--json]

Training steps and forward passes (train, segment, eval, the workbench's Train and Predict) run on ONNX Runtime
when it loads: each of its execution providers is listed, GPU ones first, and each that looks available is checked
by starting a session on it. Pre-training and CAM run on a TensorFlow.js backend, fastest first: tensorflow
(tfjs-node-gpu / tfjs-node), webgpu, wasm, cpu. SEGWORK_BACKEND or --backend on other commands forces one
(onnxruntime, onnxruntime-PROVIDER, or a tfjs backend, which then runs everything).

Options:
  --json   one JSON object: {chosen, engine, backends: [{name, available, reason}],
           onnxruntime: {available, reason, providers: [{name, available, reason}]}, node, platform}`,
  async run(argv, io) {
    // Loaded when it runs, not with the module: its --help then starts without tfjs (tests/unit/cli/startup.test.ts).
    const { doctor } = await import('../compute/backends.ts');
    const { values } = parse(argv, { json: { type: 'boolean' }, workspace: { type: 'string' } });
    const report = await doctor();
    if (values.json) {
      io.stdout.write(toJson(report) + '\n');
      return EXIT_OK;
    }
    const row = (chosen: boolean, name: string, available: boolean, reason: string) =>
      io.stdout.write(`${chosen ? '*' : ' '} ${name.padEnd(12)} ${available ? 'available  ' : 'unavailable'}  ${reason}\n`);
    const ort = report.onnxruntime;
    io.stdout.write(`ONNX Runtime (training and forward passes): ${ort.available ? ort.reason : `unavailable: ${ort.reason}`}\n`);
    for (const p of ort.providers) row(report.engine === `onnxruntime (${p.name})`, p.name, p.available, p.reason);
    io.stdout.write('\nTensorFlow.js backends (pre-training, CAM; everything where ONNX Runtime is not used):\n');
    for (const b of report.backends) row(b.name === report.chosen, b.name, b.available, b.reason);
    io.stdout.write(`\nTraining and forward passes: ${report.engine}. Pre-training and CAM: ${report.chosen}.  (Node ${report.node}, ${report.platform})\n`);
    return EXIT_OK;
  },
};
