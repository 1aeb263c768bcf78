// `segwork <command>`: dispatch, --help, exit codes, Ctrl-C, and one clear line for every error.
import { InputError } from '../io/raster.ts';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, UsageError, type CliIO, type Command } from './command.ts';
import { COMMANDS } from './commands.ts';

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'segwork: paint labels, train segmentation networks, segment folders.',
    '',
    'Usage: segwork <command> [options]   (segwork <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --workspace DIR (default: $SEGWORK_HOME or the per-user data folder).',
    'Exit codes: 0 ok, 1 failure, 2 partial failure or bad usage, 130 quit by Ctrl-C.',
  ].join('\n');
}

export async function main(argv: string[], io?: Partial<CliIO>): Promise<number> {
  const controller = new AbortController();
  // Set once the command is known: a command that stops cleanly says how; any other quits at once.
  let command: Command | undefined;
  const onSigint = () => {
    if (controller.signal.aborted || !command?.interrupt) process.exit(EXIT_INTERRUPTED);
    process.stderr.write(`\n${command.interrupt}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const cli: CliIO = { stdout: io?.stdout ?? process.stdout, stderr: io?.stderr ?? process.stderr, signal: io?.signal ?? controller.signal };
  const [name, ...rest] = argv;
  const entry = COMMANDS.find((c) => c.name === name);
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      cli.stdout.write(overview() + '\n');
      return name ? EXIT_OK : EXIT_PARTIAL;
    }
    if (!entry) throw new UsageError(`unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      cli.stdout.write(command.usage.trimEnd() + '\n');
      return EXIT_OK;
    }
    return await command.run(rest, cli);
  } catch (e) {
    if (e instanceof UsageError) {
      cli.stderr.write(`segwork: ${e.message}\n(see segwork ${entry ? entry.name + ' ' : ''}--help)\n`);
      return EXIT_PARTIAL;
    }
    if (e instanceof InputError) {
      cli.stderr.write(`segwork: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    const err = e as Error;
    cli.stderr.write(`segwork: ${err.message}\n`);
    if (process.env.SEGWORK_DEBUG) cli.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
