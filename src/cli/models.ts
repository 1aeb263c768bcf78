// `segwork models`: every registered architecture and preset with its parameter count and convolution FLOPs at 256×256.
import type { ModelListing } from '../models/listing.ts';
import { intOption, parse } from './args.ts';
import { EXIT_OK, type Command } from './command.ts';
import { toJson } from './progress.ts';

const millions = (n: number) => (n / 1e6).toFixed(2);

export const modelsCommand: Command = {
  usage: `Usage: segwork models [--json] [--channels N] [--classes N]

Lists every architecture (for segwork train --model), each of its presets (--preset) and each other choice
on its defaults (U-Net's --upsampling), with the
parameter count, the convolution GFLOPs of one 256×256 forward pass (2 × multiply-accumulates; element-wise
layers not counted) and the size multiple input height and width must respect.

Options:
  --channels N   input channels to count for (default 3)
  --classes N    output classes to count for (default 2)
  --json         one JSON array: [{architecture, preset, variant?, description, parameters, flops, sizeMultiple}]`,
  async run(argv, io) {
    const { values } = parse(argv, {
      json: { type: 'boolean' },
      channels: { type: 'string' },
      classes: { type: 'string' },
    });
    const channels = intOption(values, 'channels', 3, 1);
    const classes = intOption(values, 'classes', 2, 2);
    // Counting needs no accelerator: tfjs's plain CPU backend builds the graphs without loading libtensorflow or
    // a GPU driver, and tfjs itself loads only now, so --help answers at once.
    const [{ initBackend }, { listModels }] = await Promise.all([import('../compute/backends.ts'), import('../models/listing.ts')]);
    await initBackend('cpu');
    const rows: ModelListing[] = listModels(channels, classes);
    if (values.json) {
      io.stdout.write(toJson(rows) + '\n');
      return EXIT_OK;
    }
    io.stdout.write(`${'model'.padEnd(14)}${'preset'.padEnd(10)}${'params (M)'.padStart(11)}${'GFLOPs@256'.padStart(12)}${'multiple'.padStart(10)}\n`);
    let last = '';
    for (const r of rows) {
      if (r.architecture !== last) io.stdout.write(`\n${r.architecture}: ${r.description}\n`);
      last = r.architecture;
      io.stdout.write(
        `${r.architecture.padEnd(14)}${r.preset.padEnd(10)}${millions(r.parameters).padStart(11)}${(r.flops / 1e9).toFixed(2).padStart(12)}${String(r.sizeMultiple).padStart(10)}${r.variant ? `  ${r.variant}` : ''}\n`,
      );
    }
    io.stdout.write(`\n(${channels} input channel(s), ${classes} classes)\n`);
    return EXIT_OK;
  },
};
