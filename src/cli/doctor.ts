import { doctor } from '../compute/backends.ts';
import { parse } from './args.ts';
import { EXIT_OK, type Command } from './command.ts';
import { toJson } from './progress.ts';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'List compute backends, which are available and why, and the one chosen',
  usage: `Usage: segwork doctor [--json]

Checks each compute backend, fastest first: tensorflow (tfjs-node-gpu / tfjs-node), webgpu, wasm, cpu.
Prints available / unavailable with the reason, and the backend training and inference will use.
SEGWORK_BACKEND or --backend on other commands forces one.

Options:
  --json   one JSON object: {chosen, backends: [{name, available, reason}], node, platform}`,
  async run(argv, io) {
    const { values } = parse(argv, { json: { type: 'boolean' }, workspace: { type: 'string' } });
    const report = await doctor();
    if (values.json) {
      io.stdout.write(toJson(report) + '\n');
      return EXIT_OK;
    }
    for (const b of report.backends) {
      io.stdout.write(`${b.name === report.chosen ? '*' : ' '} ${b.name.padEnd(10)} ${b.available ? 'available  ' : 'unavailable'}  ${b.reason}\n`);
    }
    io.stdout.write(`\nChosen: ${report.chosen}  (Node ${report.node}, ${report.platform})\n`);
    return EXIT_OK;
  },
};
