// `segwork serve`: runs the core and serves the built renderer on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveWorkspaceDir } from '../store/location.ts';
import { startServer } from '../server/server.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIO, type Command } from './command.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIST = path.join(REPO_ROOT, 'renderer', 'dist');

export interface ServeArgs {
  port: number;
  workspace: string;
  /** True when --workspace was not given: the default workspace gets the bundled sample project. */
  defaultWorkspace: boolean;
  open: boolean;
}

export function parseServeArgs(argv: string[]): ServeArgs {
  const args: ServeArgs = { port: 0, workspace: resolveWorkspaceDir(), defaultWorkspace: true, open: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${argv[i]}"`);
      args.port = port;
    } else if (arg === '--workspace') {
      args.workspace = resolveWorkspaceDir(value());
      args.defaultWorkspace = false;
    }
    else if (arg === '--open') args.open = true;
    else throw new UsageError(`unknown option "${arg}"`);
  }
  return args;
}

export const serveCommand: Command = {
  usage: `Usage: segwork serve [--port P] [--workspace DIR] [--open]

Runs the core and serves the workbench on 127.0.0.1. The first line printed is the address to open,
with the per-launch token: Workbench: http://127.0.0.1:PORT/?token=TOKEN

  --port P          port to listen on; 0 (the default) picks a free one
  --workspace DIR   workspace directory (default: $SEGWORK_HOME or the per-user data folder,
                    which starts with the bundled sample project)
  --open            open the address in the default browser
`,
  interrupt: 'Closing the workbench (Ctrl-C again to quit at once)…',
  async run(argv: string[], io: CliIO): Promise<number> {
    // Loaded when it runs, not with the module: its --help then starts without tfjs (tests/unit/cli/startup.test.ts).
    const { createWorkbench } = await import('../use-cases/workbench.ts');
    const args = parseServeArgs(argv);
    if (!existsSync(path.join(RENDERER_DIST, 'index.html'))) {
      io.stderr.write(`${RENDERER_DIST}: the workbench is not built; run \`npm run build:renderer\` first\n`);
      return EXIT_FAILURE;
    }
    // Listen first so the address is the first line, whatever the core prints while it starts.
    const workbench = createWorkbench({ workspaceDir: args.workspace, seedSample: args.defaultWorkspace });
    const server = await startServer({ service: workbench, staticDir: RENDERER_DIST, port: args.port });
    io.stdout.write(`Workbench: ${server.url}\n`);
    let core: Awaited<typeof workbench>;
    try {
      core = await workbench;
    } catch (error) {
      io.stderr.write(`${args.workspace}: the workspace could not be opened: ${error instanceof Error ? error.message : String(error)}\n`);
      await server.close();
      return EXIT_FAILURE;
    }
    io.stdout.write(`Workspace: ${args.workspace}\nPress Ctrl-C to stop.\n`);
    if (args.open) openInBrowser(server.url, io);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    await core.close();
    return EXIT_OK;
  },
};

function openInBrowser(url: string, io: CliIO): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => io.stderr.write(`could not start a browser (${command}); open the address above yourself\n`));
  child.unref();
}
